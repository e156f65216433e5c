// Upsampling composed from index_select (see autograd/upsample.h for the conventions). Shape
// legend: N batch, C channels, H x W input, Ho x Wo output. The index and weight vectors are
// computed here once per axis; the gradient comes from index_select's (an index_add), so each
// input pixel collects the weighted gradients of every output that read it.
#include "autograd/upsample.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "tensor/ops.h"

namespace minidl {
namespace {

struct Axis {
  std::int64_t in, out;
  std::optional<double> scale_factor;
};

// PyTorch's compute_scales_value: 1 / scale_factor when given, else in / out, in T.
template <typename T>
T source_scale(const Axis& a) {
  return a.scale_factor && *a.scale_factor > 0 ? static_cast<T>(1.0 / *a.scale_factor)
                                               : static_cast<T>(a.in) / static_cast<T>(a.out);
}

// PyTorch's nearest_idx: the identity and the exact doubling are special-cased (they also differ
// from the formula when a scale factor such as 1.1 keeps the size); otherwise the float formula,
// in float whatever the dtype.
Tensor nearest_index(const Axis& a) {
  std::vector<std::int64_t> idx(static_cast<std::size_t>(a.out));
  const float scale = source_scale<float>(a);
  for (std::int64_t d = 0; d < a.out; ++d) {
    std::int64_t src = 0;
    if (a.out == a.in)
      src = d;
    else if (a.out == 2 * a.in)
      src = d >> 1;
    else
      src =
          std::min(static_cast<std::int64_t>(std::floor(static_cast<float>(d) * scale)), a.in - 1);
    idx[static_cast<std::size_t>(d)] = src;
  }
  return from_vector(idx);
}

struct Linear1d {
  Tensor i0, i1;  // int64 [out]
  Tensor l0, l1;  // the input's dtype, [out]
};

template <typename T>
Linear1d linear_weights(const Axis& a, bool align_corners) {
  const T scale = align_corners
                      ? (a.out > 1 ? static_cast<T>(a.in - 1) / static_cast<T>(a.out - 1) : T(0))
                      : source_scale<T>(a);
  std::vector<std::int64_t> i0(static_cast<std::size_t>(a.out)), i1(i0.size());
  std::vector<T> l0(i0.size()), l1(i0.size());
  for (std::int64_t d = 0; d < a.out; ++d) {
    const T src = align_corners ? scale * static_cast<T>(d)
                                : std::max(scale * (static_cast<T>(d) + T(0.5)) - T(0.5), T(0));
    const auto k = static_cast<std::size_t>(d);
    i0[k] = static_cast<std::int64_t>(src);
    i1[k] = i0[k] + (i0[k] < a.in - 1 ? 1 : 0);
    l1[k] = std::clamp(src - static_cast<T>(i0[k]), T(0), T(1));
    l0[k] = T(1) - l1[k];
  }
  return {from_vector(i0), from_vector(i1), from_vector(l0), from_vector(l1)};
}

// out = l0 x[.., i0, ..] + l1 x[.., i1, ..] along `axis` (2 or 3); the weights broadcast along it.
Variable lerp_axis(const Variable& x, std::int64_t axis, const Linear1d& w) {
  Shape ws = {1, 1, 1, 1};
  ws[static_cast<std::size_t>(axis)] = w.l0.numel();
  Variable l0(w.l0.reshape(ws)), l1(w.l1.reshape(ws));
  return add(mul(index_select(x, axis, w.i0), l0), mul(index_select(x, axis, w.i1), l1));
}

}  // namespace

const char* upsample_mode_name(UpsampleMode mode) {
  return mode == UpsampleMode::kNearest ? "nearest" : "bilinear";
}

UpsampleMode upsample_mode_from_name(const std::string& name) {
  if (name == "nearest") return UpsampleMode::kNearest;
  MINIDL_CHECK(name == "bilinear", "upsample: mode must be \"nearest\" or \"bilinear\", got \"",
               name, "\"");
  return UpsampleMode::kBilinear;
}

Variable upsample(const Variable& input, const UpsampleOptions& o) {
  MINIDL_CHECK(input.defined(), "upsample: undefined input");
  MINIDL_CHECK(input.dim() == 4, "upsample: input must be [N, C, H, W], got shape ",
               shape_str(input.shape()));
  MINIDL_CHECK(is_floating(input.dtype()), "upsample: input must be float32 or float64, got ",
               dtype_name(input.dtype()));
  MINIDL_CHECK(o.size.has_value() != o.scale_factor.has_value(),
               "upsample: give exactly one of size and scale_factor");
  MINIDL_CHECK(o.mode == UpsampleMode::kBilinear || !o.align_corners.has_value(),
               "upsample: align_corners can only be set with the bilinear mode");
  const std::int64_t h = input.size(2), w = input.size(3);
  MINIDL_CHECK(h >= 1 && w >= 1, "upsample: input H and W must be >= 1, got ", h, "x", w);
  Axis ah{h, 0, std::nullopt}, aw{w, 0, std::nullopt};
  if (o.size) {
    ah.out = (*o.size)[0];
    aw.out = (*o.size)[1];
  } else {
    const auto& s = *o.scale_factor;
    MINIDL_CHECK(s[0] > 0 && s[1] > 0 && std::isfinite(s[0]) && std::isfinite(s[1]),
                 "upsample: scale_factor must be positive and finite, got ", s[0], "x", s[1]);
    const double fh = std::floor(static_cast<double>(h) * s[0]),
                 fw = std::floor(static_cast<double>(w) * s[1]);
    MINIDL_CHECK(fh < 9.2e18 && fw < 9.2e18, "upsample: output size overflows int64 (input ", h,
                 "x", w, ", scale_factor ", s[0], "x", s[1], ")");
    ah = {h, static_cast<std::int64_t>(fh), s[0]};
    aw = {w, static_cast<std::int64_t>(fw), s[1]};
  }
  MINIDL_CHECK(ah.out >= 1 && aw.out >= 1, "upsample: output size ", ah.out, "x", aw.out,
               " must be >= 1 (input ", h, "x", w, ")");
  const bool f64 = input.dtype() == kFloat64;
  if (o.mode == UpsampleMode::kNearest) {
    return index_select(index_select(input, 2, nearest_index(ah)), 3, nearest_index(aw));
  }
  const bool ac = o.align_corners.value_or(false);
  const Linear1d lh = f64 ? linear_weights<double>(ah, ac) : linear_weights<float>(ah, ac);
  const Linear1d lw = f64 ? linear_weights<double>(aw, ac) : linear_weights<float>(aw, ac);
  // Along W first, then H: PyTorch's order of the products and sums (l0h (l0w a + l1w b) + ...).
  return lerp_axis(lerp_axis(input, 3, lw), 2, lh);
}

}  // namespace minidl
