// Indexing primitives. Index tensors are constants (int64); gradients flow to the values only.
// index_select / index_add and gather / scatter_add are adjoint pairs, so each backward is the
// other op, and both stay differentiable for second-order gradients.
#include "autograd/op_util.h"

namespace minidl {

using detail::Grads;
using detail::Inputs;

// index_select: out = x[index] along axis.  dx = index_add(zeros, axis, index, g).
Variable index_select(const Variable& x, std::int64_t axis, const Tensor& index) {
  const detail::OpTimer timer;
  return annotate(
      record("index_select", minidl::index_select(x.value(), axis, index), {x},
             [axis, index](const Inputs& in, const Variable&, const Variable& g) {
               return Grads{index_add(constant_like(in[0], 0.0), axis, index, g)};
             }),
      [&] { return "axis=" + std::to_string(axis) + " index " + shape_str(index.shape()); });
}

// index_add: out = x; out[index[i]] += src[i] along axis.  dx = g, dsrc = index_select(g).
Variable index_add(const Variable& x, std::int64_t axis, const Tensor& index, const Variable& src) {
  const detail::OpTimer timer;
  return annotate(
      record("index_add", minidl::index_add(x.value(), axis, index, src.value()), {x, src},
             [axis, index](const Inputs& in, const Variable&, const Variable& g) {
               return Grads{in[0].requires_grad() ? g : Variable(),
                            in[1].requires_grad() ? index_select(g, axis, index) : Variable()};
             }),
      [&] { return "axis=" + std::to_string(axis) + " index " + shape_str(index.shape()); });
}

// gather: out[i][j] = x[i][index[i][j]] (axis 1).  dx = scatter_add(zeros, axis, index, g).
// A plain backward (not recording) scatters into the fresh zeros in place: the recorded
// scatter_add would copy them first, a whole extra pass (max pooling's backward is this one).
Variable gather(const Variable& x, std::int64_t axis, const Tensor& index) {
  const detail::OpTimer timer;
  return annotate(
      record("gather", minidl::gather(x.value(), axis, index), {x},
             [axis, index](const Inputs& in, const Variable&, const Variable& g) {
               if (!grad_enabled()) {
                 Tensor dx = zeros_like(in[0].value());
                 scatter_add_(dx, axis, index, g.value());
                 return Grads{Variable(std::move(dx))};
               }
               return Grads{scatter_add(constant_like(in[0], 0.0), axis, index, g)};
             }),
      [&] { return "axis=" + std::to_string(axis) + " index " + shape_str(index.shape()); });
}

// scatter_add: out = x; out[i][index[i][j]] += src[i][j].  dx = g, dsrc = gather(g, index).
Variable scatter_add(const Variable& x, std::int64_t axis, const Tensor& index,
                     const Variable& src) {
  const detail::OpTimer timer;
  return annotate(
      record("scatter_add", minidl::scatter_add(x.value(), axis, index, src.value()), {x, src},
             [axis, index](const Inputs& in, const Variable&, const Variable& g) {
               return Grads{in[0].requires_grad() ? g : Variable(),
                            in[1].requires_grad() ? gather(g, axis, index) : Variable()};
             }),
      [&] { return "axis=" + std::to_string(axis) + " index " + shape_str(index.shape()); });
}

}  // namespace minidl
