// Batch normalisation as one primitive, batch_norm_fused, and its reference composition,
// batch_norm_composed (nn/batchnorm.cpp uses the first; the tests compare the two).
//
// x [N, C, *]; weight, bias [C] or undefined (affine false); statistics per channel over every
// other axis (n values each), broadcast as [1, C, 1, ...]:
//   batch statistics (training):  mu = mean(x),  s2 = mean((x - mu)^2),  invstd = 1 / sqrt(s2 +
//   eps) given statistics (eval):      mu, invstd passed in (running_mean, 1 / sqrt(running_var +
//   eps)) xhat = (x - mu) invstd,   y = xhat weight + bias dbias = sum(g),  dweight = sum(g xhat),
//   gx = g weight dx = invstd (gx - mean(gx) - xhat mean(gx xhat))   (batch statistics: mu and s2
//   depend on x) dx = invstd gx                                     (given statistics: constants)
//
// The composition records ~10 tape nodes and makes as many full passes over the activation; the
// fused op runs tensor/batch_norm.cpp's kernels: the statistics and y in one task per channel,
// the backward's two sums and dx in another. Its backward stays differentiable the way DESIGN.md
// asks (and conv2d_fused does): with grad mode on (create_graph, e.g. an R1 or WGAN-GP penalty
// through a critic with BatchNorm) it builds the gradients above from differentiable ops instead.
#include "autograd/op_util.h"
#include "tensor/batch_norm.h"

namespace minidl {

using detail::Grads;
using detail::Inputs;

namespace {

struct ChannelView {
  Shape shape;  // [1, C, 1, ...]
  Axes axes;    // every axis but 1
};

ChannelView channel_view(const Variable& x) {
  ChannelView v{Shape(static_cast<std::size_t>(x.dim()), 1), {}};
  v.shape[1] = x.size(1);
  for (std::int64_t a = 0; a < x.dim(); ++a)
    if (a != 1) v.axes.push_back(a);
  return v;
}

// The gradients of the formula block from differentiable ops (create_graph). in = {x, weight?,
// bias?}; has_weight says whether in[1] is the weight.
Grads batch_norm_grads_composed(const Inputs& in, const Variable& g, bool has_weight,
                                const Tensor& stat_mean, const Tensor& stat_invstd, double eps) {
  const Variable& x = in[0];
  const ChannelView cv = channel_view(x);
  Variable inv, xhat;
  if (!stat_mean.defined()) {
    Variable d = sub(x, mean(x, cv.axes, true));
    inv = rsqrt(add(mean(mul(d, d), cv.axes, true), eps));
    xhat = mul(d, inv);
  } else {
    inv = detail::constant(stat_invstd.reshape(cv.shape));
    xhat = mul(sub(x, detail::constant(stat_mean.reshape(cv.shape))), inv);
  }
  Grads r(in.size());
  if (has_weight && in[1].requires_grad()) r[1] = sum(mul(g, xhat), cv.axes);
  const std::size_t b = has_weight ? 2 : 1;
  if (in.size() > b && in[b].requires_grad()) r[b] = sum(g, cv.axes);
  if (x.requires_grad()) {
    Variable gx = has_weight ? mul(g, reshape(in[1], cv.shape)) : g;
    if (!stat_mean.defined())
      gx = sub(sub(gx, mean(gx, cv.axes, true)), mul(xhat, mean(mul(gx, xhat), cv.axes, true)));
    r[0] = mul(gx, inv);
  }
  return r;
}

}  // namespace

// batch_norm_fused: the formula block in one op.   dx, dweight, dbias: batch_norm_backward
//   (tensor/batch_norm.h), or batch_norm_grads_composed under create_graph.
Variable batch_norm_fused(const Variable& x, const Variable& weight, const Variable& bias,
                          const Tensor& stat_mean, const Tensor& stat_invstd, double eps,
                          Tensor* batch_mean, Tensor* batch_var) {
  const detail::OpTimer timer;
  BatchNormForward f =
      batch_norm_forward(x.value(), weight.defined() ? weight.value() : Tensor(),
                         bias.defined() ? bias.value() : Tensor(), eps, stat_mean, stat_invstd);
  if (batch_mean) *batch_mean = f.mean;
  if (batch_var) *batch_var = f.var;
  const bool has_weight = weight.defined(), batch_stats = !stat_mean.defined();
  Inputs inputs{x};
  if (has_weight) inputs.push_back(weight);
  if (bias.defined()) inputs.push_back(bias);
  // Under create_graph the composed gradients take the given statistics as they came (undefined
  // for batch statistics, which they recompute from x as differentiable ops).
  const Tensor given_mean = batch_stats ? Tensor() : f.mean;
  auto backward = [mean = f.mean, invstd = f.invstd, given_mean, has_weight, batch_stats, eps](
                      const Inputs& in, const Variable&, const Variable& g) {
    if (grad_enabled())
      return batch_norm_grads_composed(in, g, has_weight, given_mean, invstd, eps);
    const std::size_t b = has_weight ? 2 : 1;
    const bool need_bias = in.size() > b && in[b].requires_grad();
    BatchNormGrads r = batch_norm_backward(
        g.value(), in[0].value(), mean, invstd, has_weight ? in[1].value() : Tensor(), batch_stats,
        in[0].requires_grad(), has_weight && in[1].requires_grad(), need_bias);
    auto wrap = [](Tensor& t) { return t.defined() ? Variable(std::move(t)) : Variable(); };
    Grads out{wrap(r.input)};
    if (has_weight) out.push_back(wrap(r.weight));
    if (in.size() > b) out.push_back(wrap(r.bias));
    return out;
  };
  return annotate(record("batch_norm", std::move(f.y), std::move(inputs), backward), [&] {
    return "eps=" + detail::number_str(eps) + (batch_stats ? " batch_stats" : " given_stats");
  });
}

// The same function composed from autograd ops (~10 tape nodes): the reference the fused op is
// tested against.
Variable batch_norm_composed(const Variable& x, const Variable& weight, const Variable& bias,
                             const Tensor& stat_mean, const Tensor& stat_invstd, double eps,
                             Tensor* batch_mean, Tensor* batch_var) {
  const ChannelView cv = channel_view(x);
  Variable y;
  if (!stat_mean.defined()) {
    Variable mu = mean(x, cv.axes, true);
    Variable d = sub(x, mu);
    Variable s2 = mean(mul(d, d), cv.axes, true);
    y = mul(d, rsqrt(add(s2, eps)));
    if (batch_mean) *batch_mean = mu.value().reshape({x.size(1)});
    if (batch_var) *batch_var = s2.value().reshape({x.size(1)});
  } else {
    y = mul(sub(x, detail::constant(stat_mean.reshape(cv.shape))),
            detail::constant(stat_invstd.reshape(cv.shape)));
  }
  if (weight.defined()) y = mul(y, reshape(weight, cv.shape));
  if (bias.defined()) y = add(y, reshape(bias, cv.shape));
  return y;
}

}  // namespace minidl
