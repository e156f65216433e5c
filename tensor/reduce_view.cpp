// The [outer, r, inner] view behind every reduction (see tensor/reduce_view.h), and the small
// permute-copy it needs for scattered axis sets (kept local so layer 0's reductions do not depend
// on tensor/shape.cpp).
#include "tensor/reduce_view.h"

#include <cstring>
#include <limits>

#include "tensor/dispatch.h"
#include "tensor/loops.h"

namespace minidl::detail {
namespace {

// outer, r or inner times one more dim. The dims of an empty tensor may multiply past int64
// ([0, 2^62, 2^62] is a valid shape), so a product that would overflow saturates at 2^63-1 and a
// 0 dim makes it 0. Only an empty tensor can saturate a group, and then no kernel reads anything:
// the output outer * inner is either empty or too large, and its allocation refuses it first.
std::int64_t group_mul(std::int64_t group, std::int64_t dim) {
  std::int64_t p = 0;
  if (group == 0 || dim == 0) return 0;
  return __builtin_mul_overflow(group, dim, &p) ? std::numeric_limits<std::int64_t>::max() : p;
}

}  // namespace

Tensor permute_copy(const Tensor& x, const std::vector<std::int64_t>& order) {
  const auto d = static_cast<std::size_t>(x.dim());
  Shape shape(d);
  StridedPlan p(1);
  for (std::size_t i = 0; i < d; ++i) {
    const auto a = static_cast<std::size_t>(order[i]);
    shape[i] = x.shape()[a];
    std::int64_t st = 1;
    for (std::size_t j = a + 1; j < d; ++j) st *= x.shape()[j];
    p.push(shape[i], &st, "permute_copy");
  }
  p.finish();
  Tensor out(shape, x.dtype());
  const std::int64_t s = p.inner_stride(0);
  // Only the element size matters to a copy.
  auto copy = [&](auto word) {
    using W = decltype(word);
    const W* src = static_cast<const W*>(x.raw());
    W* dst = static_cast<W*>(out.raw());
    run_chunks(out.numel(), kGrainElementwise, [&](std::int64_t b, std::int64_t e) {
      for_each_run<1>(p, b, e, [&](const std::int64_t* off, std::int64_t pos, std::int64_t len) {
        const W* in = src + off[0];
        for (std::int64_t j = 0; j < len; ++j) dst[pos + j] = in[j * s];
      });
    });
  };
  if (dtype_size(x.dtype()) == 4)
    copy(std::uint32_t{});
  else
    copy(std::uint64_t{});
  return out;
}

ReduceView reduce_view(const Tensor& x, const Axes& axes, bool keepdim, const char* op) {
  MINIDL_CHECK(x.defined(), op, ": undefined tensor");
  const std::int64_t d = x.dim();
  const Shape& shape = x.shape();
  // Reduced-axis flags; on the stack for any realistic rank.
  char small[16];
  std::vector<char> big;
  char* red = small;
  if (d > 16) {
    big.resize(static_cast<std::size_t>(d));
    red = big.data();
  }
  for (std::int64_t i = 0; i < d; ++i) red[i] = axes.empty() ? 1 : 0;
  for (std::int64_t ax : axes) {
    const std::int64_t a = norm_axis(ax, d, op);
    if (d == 0) continue;  // axis 0 of a 0-d tensor is the tensor itself
    MINIDL_CHECK(!red[a], op, ": duplicate axis ", ax, " in axes ", shape_str(axes),
                 " for a tensor of shape ", shape_str(shape));
    red[a] = 1;
  }

  ReduceView v;
  v.data = x.raw();
  // Size-1 axes do not affect the layout; among the others, are the reduced ones one adjacent run?
  std::int64_t first = -1, last = -1;
  for (std::int64_t i = 0; i < d; ++i) {
    const std::int64_t s = shape[static_cast<std::size_t>(i)];
    if (red[i]) {
      if (keepdim) v.out_shape.push_back(1);
      if (s != 1) {
        if (first < 0) first = i;
        last = i;
      }
    } else {
      v.out_shape.push_back(s);
    }
  }
  bool adjacent = true;
  for (std::int64_t i = first; first >= 0 && i <= last; ++i)
    if (shape[static_cast<std::size_t>(i)] != 1 && !red[i]) adjacent = false;

  if (first < 0) {  // only size-1 axes (or none) are reduced: nothing moves
    v.outer = x.numel();
    return v;
  }
  if (adjacent) {
    for (std::int64_t i = 0; i < d; ++i) {
      std::int64_t& g = i < first ? v.outer : i <= last ? v.r : v.inner;
      g = group_mul(g, shape[static_cast<std::size_t>(i)]);
    }
    return v;
  }
  std::vector<std::int64_t> order;
  for (std::int64_t i = 0; i < d; ++i)
    if (!red[i]) {
      order.push_back(i);
      v.outer = group_mul(v.outer, shape[static_cast<std::size_t>(i)]);
    }
  for (std::int64_t i = 0; i < d; ++i)
    if (red[i]) {
      order.push_back(i);
      v.r = group_mul(v.r, shape[static_cast<std::size_t>(i)]);
    }
  if (x.numel() == 0) return v;  // nothing to read, so nothing to bring together
  v.permuted = permute_copy(x, order);
  v.data = v.permuted.raw();
  return v;
}

AxisView axis_view(const Tensor& x, std::int64_t axis, const char* op) {
  MINIDL_CHECK(x.defined(), op, ": undefined tensor");
  AxisView v;
  v.axis = norm_axis(axis, x.dim(), op);
  for (std::int64_t i = 0; i < x.dim(); ++i) {
    std::int64_t& g = i < v.axis ? v.outer : i == v.axis ? v.r : v.inner;
    g = group_mul(g, x.shape()[static_cast<std::size_t>(i)]);
  }
  return v;
}

}  // namespace minidl::detail
