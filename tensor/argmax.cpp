// max / min with int64 indices along one axis, and argmax / argmin.
// Shapes: x viewed as [outer, r, inner] around the axis; values and indices hold [outer, inner]
// elements in the output shape.
//
// Rule (PyTorch on CPU): the first index of the extreme value wins ties; a NaN beats every number
// and the first NaN wins. As a predicate, candidate v replaces the best b when
//   v > b  (v < b for min)   or   (v is NaN and b is not)
// which is strict, so scanning in index order, and merging row chunks in chunk order, keeps the
// first index. The result is exact whatever the chunking, and chunks depend only on the grains.
#include <algorithm>
#include <cstdint>
#include <tuple>
#include <utility>
#include <vector>

#include "tensor/dispatch.h"
#include "tensor/loops.h"
#include "tensor/ops.h"
#include "tensor/reduce_view.h"

namespace minidl {
namespace {

constexpr std::int64_t kInnerBlock = 2048;

template <bool kMax, typename T>
inline bool better(T v, T best) {
  return (kMax ? v > best : v < best) || (v != v && best == best);
}

template <bool kMax, typename T>
void arg_extreme(const T* x, std::int64_t outer, std::int64_t r, std::int64_t inner, T* val,
                 std::int64_t* idx) {
  if (inner == 1) {
    // One row chunk [beg, beg + n): best value and its index.
    auto scan = [&](const T* p, std::int64_t beg, std::int64_t n) {
      T b = p[beg];
      std::int64_t bi = beg;
      for (std::int64_t i = beg + 1; i < beg + n; ++i)
        if (better<kMax>(p[i], b)) {
          b = p[i];
          bi = i;
        }
      return std::pair<T, std::int64_t>(b, bi);
    };
    const std::int64_t rc = kGrainReduce;
    const std::int64_t nrc = (r + rc - 1) / rc;
    if (nrc == 1) {
      detail::run_chunks(outer, std::max<std::int64_t>(1, kGrainReduce / r),
                         [&](std::int64_t b, std::int64_t e) {
                           for (std::int64_t o = b; o < e; ++o)
                             std::tie(val[o], idx[o]) = scan(x + o * r, 0, r);
                         });
      return;
    }
    std::vector<std::pair<T, std::int64_t>> part(static_cast<std::size_t>(outer * nrc));
    detail::run_chunks(outer * nrc, 1, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t u = b; u < e; ++u) {
        const std::int64_t o = u / nrc, beg = (u % nrc) * rc;
        part[static_cast<std::size_t>(u)] = scan(x + o * r, beg, std::min(rc, r - beg));
      }
    });
    for (std::int64_t o = 0; o < outer; ++o) {
      auto best = part[static_cast<std::size_t>(o * nrc)];
      for (std::int64_t c = 1; c < nrc; ++c) {
        const auto& cand = part[static_cast<std::size_t>(o * nrc + c)];
        if (better<kMax>(cand.first, best.first)) best = cand;
      }
      val[o] = best.first;
      idx[o] = best.second;
    }
    return;
  }
  // Columns: a unit is (o, block of inner) scanning all r rows, vectorisable along inner.
  const std::int64_t nib = (inner + kInnerBlock - 1) / kInnerBlock;
  const std::int64_t ib_len = std::min(inner, kInnerBlock);
  auto unit = [&](std::int64_t u) {
    const std::int64_t o = u / nib, i0 = (u % nib) * kInnerBlock;
    const std::int64_t len = std::min(kInnerBlock, inner - i0);
    T* bv = val + o * inner + i0;
    std::int64_t* bi = idx + o * inner + i0;
    const T* p0 = x + o * r * inner + i0;
    for (std::int64_t i = 0; i < len; ++i) {
      bv[i] = p0[i];
      bi[i] = 0;
    }
    for (std::int64_t rr = 1; rr < r; ++rr) {
      const T* p = p0 + rr * inner;
      for (std::int64_t i = 0; i < len; ++i)
        if (better<kMax>(p[i], bv[i])) {
          bv[i] = p[i];
          bi[i] = rr;
        }
    }
  };
  detail::run_chunks(outer * nib, std::max<std::int64_t>(1, kGrainReduce / (r * ib_len)),
                     [&](std::int64_t b, std::int64_t e) {
                       for (std::int64_t u = b; u < e; ++u) unit(u);
                     });
}

std::pair<Tensor, Tensor> max_min(const Tensor& x, std::int64_t axis, bool keepdim, bool is_max,
                                  const char* op) {
  const detail::AxisView v = detail::axis_view(x, axis, op);
  MINIDL_CHECK(v.r > 0, op, ": reduction over an empty axis ", axis, " of shape ",
               shape_str(x.shape()));
  Shape shape = x.shape();
  if (x.dim() > 0) {
    if (keepdim)
      shape[static_cast<std::size_t>(v.axis)] = 1;
    else
      shape.erase(shape.begin() + v.axis);
  }
  Tensor values(shape, x.dtype());
  Tensor indices(std::move(shape), kInt64);
  if (values.numel() == 0) return {values, indices};
  detail::dispatch(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    auto* pi = indices.data<std::int64_t>();
    if (is_max)
      arg_extreme<true>(x.data<T>(), v.outer, v.r, v.inner, values.data<T>(), pi);
    else
      arg_extreme<false>(x.data<T>(), v.outer, v.r, v.inner, values.data<T>(), pi);
  });
  return {values, indices};
}

}  // namespace

std::pair<Tensor, Tensor> max(const Tensor& x, std::int64_t axis, bool keepdim) {
  return max_min(x, axis, keepdim, true, "max");
}
std::pair<Tensor, Tensor> min(const Tensor& x, std::int64_t axis, bool keepdim) {
  return max_min(x, axis, keepdim, false, "min");
}
Tensor argmax(const Tensor& x, std::int64_t axis, bool keepdim) {
  return max_min(x, axis, keepdim, true, "argmax").second;
}
Tensor argmin(const Tensor& x, std::int64_t axis, bool keepdim) {
  return max_min(x, axis, keepdim, false, "argmin").second;
}

}  // namespace minidl
