// Shape primitives: they move values without changing them, so each backward moves g back.
#include <algorithm>

#include "autograd/op_util.h"

namespace minidl {

using detail::Grads;
using detail::Inputs;

// reshape: dx = reshape(g, x.shape).
Variable reshape(const Variable& x, const Shape& shape) {
  const detail::OpTimer timer;
  return annotate(record("reshape", x.value().reshape(shape), {x},
                         [](const Inputs& in, const Variable&, const Variable& g) {
                           return Grads{reshape(g, in[0].shape())};
                         }),
                  [&] { return "to " + shape_str(shape); });
}

// permute: out axis i is x axis dims[i].  dx = permute(g, inverse of dims).
Variable permute(const Variable& x, const Axes& dims) {
  const detail::OpTimer timer;
  Tensor out = minidl::permute(x.value(), dims);
  Axes inverse(dims.size());
  for (std::size_t i = 0; i < dims.size(); ++i) {
    std::int64_t d = dims[i] < 0 ? dims[i] + x.dim() : dims[i];
    inverse[static_cast<std::size_t>(d)] = static_cast<std::int64_t>(i);
  }
  return annotate(record("permute", std::move(out), {x},
                         [inverse](const Inputs&, const Variable&, const Variable& g) {
                           return Grads{permute(g, inverse)};
                         }),
                  [&] { return "dims=" + shape_str(dims); });
}

// expand: out = x broadcast to shape.  dx = sum_to(g, x.shape).
Variable expand(const Variable& x, const Shape& shape) {
  const detail::OpTimer timer;
  return annotate(record("expand", minidl::broadcast_to(x.value(), shape), {x},
                         [](const Inputs& in, const Variable&, const Variable& g) {
                           return Grads{sum_to(g, in[0].shape())};
                         }),
                  [&] { return "to " + shape_str(shape); });
}

// slice: out = x[start:end:step] along axis.  dx = zeros with g placed back at those positions
// (a zero pad for step 1, an index_add otherwise).
Variable slice(const Variable& x, std::int64_t axis, std::int64_t start, std::int64_t end,
               std::int64_t step) {
  const detail::OpTimer timer;
  Tensor out = minidl::slice(x.value(), axis, start, end, step);
  std::int64_t ax = axis < 0 ? axis + x.dim() : axis;
  std::int64_t n = x.size(ax);
  std::int64_t first = start < 0 ? std::max<std::int64_t>(start + n, 0) : std::min(start, n);
  std::int64_t count = out.size(ax);
  return annotate(
      record("slice", std::move(out), {x},
             [ax, n, first, count, step](const Inputs& in, const Variable&, const Variable& g) {
               if (step == 1) {
                 std::vector<std::int64_t> pads(2 * static_cast<std::size_t>(in[0].dim()), 0);
                 std::size_t p = 2 * static_cast<std::size_t>(in[0].dim() - 1 - ax);
                 pads[p] = first;
                 pads[p + 1] = n - first - count;
                 return Grads{pad(g, pads)};
               }
               Tensor idx =
                   arange(static_cast<double>(first), static_cast<double>(first + count * step),
                          static_cast<double>(step), kInt64);
               return Grads{index_add(constant_like(in[0], 0.0), ax, idx, g)};
             }),
      [&] { return detail::slice_attrs(axis, start, end, step); });
}

// concat: out = [x0, x1, ...] along axis.  dx_i = the slice of g that x_i occupies.
Variable concat(const std::vector<Variable>& xs, std::int64_t axis) {
  const detail::OpTimer timer;
  MINIDL_CHECK(!xs.empty(), "concat: no inputs");
  std::vector<Tensor> vals;
  vals.reserve(xs.size());
  for (const auto& x : xs) vals.push_back(x.value());
  return annotate(record("concat", minidl::concat(vals, axis), xs,
                         [axis](const Inputs& in, const Variable&, const Variable& g) {
                           Grads grads;
                           std::int64_t offset = 0;
                           for (const auto& x : in) {
                             std::int64_t len = x.size(axis);
                             grads.push_back(x.requires_grad()
                                                 ? slice(g, axis, offset, offset + len)
                                                 : Variable());
                             offset += len;
                           }
                           return grads;
                         }),
                  [&] { return "axis=" + std::to_string(axis); });
}

// pad: constant padding (torch.nn.functional.pad ordering).  dx = the interior slice of g.
Variable pad(const Variable& x, const std::vector<std::int64_t>& pads, double value) {
  const detail::OpTimer timer;
  return annotate(record("pad", minidl::pad(x.value(), pads, value), {x},
                         [pads](const Inputs& in, const Variable&, const Variable& g) {
                           Variable r = g;
                           std::int64_t rank = in[0].dim();
                           for (std::size_t p = 0; p + 1 < pads.size(); p += 2) {
                             std::int64_t ax = rank - 1 - static_cast<std::int64_t>(p / 2);
                             if (pads[p] == 0 && pads[p + 1] == 0) continue;
                             r = slice(r, ax, pads[p], pads[p] + in[0].size(ax));
                           }
                           return Grads{r};
                         }),
                  [&] { return "pads=" + shape_str(pads); });
}

// flip: reverses axes.  dx = flip(g, axes).
Variable flip(const Variable& x, const Axes& axes) {
  const detail::OpTimer timer;
  return annotate(record("flip", minidl::flip(x.value(), axes), {x},
                         [axes](const Inputs&, const Variable&, const Variable& g) {
                           return Grads{flip(g, axes)};
                         }),
                  [&] { return "dims=" + shape_str(axes); });
}

}  // namespace minidl
