// Reduction primitives (and softmax / log_softmax, which reduce along an axis internally).
// Notation: g = dL/d(out); `keep(g)` is g reshaped to keepdim form so it broadcasts against x.
#include <algorithm>

#include "autograd/op_util.h"

namespace minidl {

using detail::Grads;
using detail::Inputs;

namespace {

// The shape of a reduction's output with keepdim = true (axes normalised, empty = all).
Shape keepdim_shape(const Shape& x, const Axes& axes) {
  Shape s = x;
  auto rank = static_cast<std::int64_t>(x.size());
  if (axes.empty()) {
    std::fill(s.begin(), s.end(), 1);
    return s;
  }
  for (auto a : axes) {
    std::int64_t n = a < 0 ? a + rank : a;
    MINIDL_CHECK(n >= 0 && n < rank, "reduce: axis ", a, " out of range for shape ", shape_str(x));
    s[static_cast<std::size_t>(n)] = 1;
  }
  return s;
}

}  // namespace

// sum: out = sum of x over axes.  dx = broadcast of g back over the reduced axes.
Variable sum(const Variable& x, const Axes& axes, bool keepdim) {
  const detail::OpTimer timer;
  return annotate(record("sum", minidl::sum(x.value(), axes, keepdim), {x},
                         [axes](const Inputs& in, const Variable&, const Variable& g) {
                           Variable gk = reshape(g, keepdim_shape(in[0].shape(), axes));
                           return Grads{expand(gk, in[0].shape())};
                         }),
                  [&] { return detail::reduce_attrs("dims", axes, keepdim); });
}

// amax: out = max of x over axes.  dx = g [x == out] / (number of maxima): ties share the
// gradient evenly, as PyTorch's amax does (max(x, axis) instead sends it to one index).
Variable amax(const Variable& x, const Axes& axes, bool keepdim) {
  const detail::OpTimer timer;
  return annotate(record("amax", minidl::amax(x.value(), axes, keepdim), {x},
                         [axes](const Inputs& in, const Variable& out, const Variable& g) {
                           Shape ks = keepdim_shape(in[0].shape(), axes);
                           Tensor mask = minidl::eq(in[0].value(), out.value().reshape(ks));
                           Tensor count = minidl::sum(mask, axes, true);
                           Tensor share = minidl::div(mask, count);
                           return Grads{mul(reshape(g, ks), detail::constant(share))};
                         }),
                  [&] { return detail::reduce_attrs("dims", axes, keepdim); });
}

// softmax: s = exp(x - max) / sum exp(x - max) along axis.  dx = s * (g - sum(g * s, axis)).
Variable softmax(const Variable& x, std::int64_t axis) {
  const detail::OpTimer timer;
  return annotate(record("softmax", minidl::softmax(x.value(), axis), {x},
                         [axis](const Inputs&, const Variable& s, const Variable& g) {
                           Variable dot = sum(mul(g, s), {axis}, true);
                           return Grads{mul(s, sub(g, dot))};
                         }),
                  [&] { return "dim=" + std::to_string(axis); });
}

// log_softmax: out = x - logsumexp(x) along axis.  dx = g - exp(out) * sum(g, axis).
Variable log_softmax(const Variable& x, std::int64_t axis) {
  const detail::OpTimer timer;
  return annotate(record("log_softmax", minidl::log_softmax(x.value(), axis), {x},
                         [axis](const Inputs&, const Variable& out, const Variable& g) {
                           return Grads{sub(g, mul(exp(out), sum(g, {axis}, true)))};
                         }),
                  [&] { return "dim=" + std::to_string(axis); });
}

}  // namespace minidl
