// sphereface_loss: A-Softmax, the angular softmax loss of Liu, Wen, Yu, Li, Raj and Song,
// "SphereFace: Deep Hypersphere Embedding for Face Recognition", CVPR 2017, eqs. 6-7.
//
//   c_ij = cos theta_ij = <x_i / |x_i|, w_j / |w_j|>    (weight rows normalised; x is not:
//                                                      its norm |x_i| is the logit scale)
//   target logit  |x_i| psi(theta_{i,y_i}),   other logits  |x_i| c_ij,   l_i = CE
//   psi(theta) = (-1)^k cos(m theta) - 2k   for theta in [k pi / m, (k + 1) pi / m], k in 0..m-1
//   (psi is continuous and decreasing on [0, pi], from 1 to -(2m - 1); it extends cos(m theta),
//   which is only monotone on [0, pi / m], to the whole range)
//   annealing (option anneal_lambda, default 0 = the paper's loss): the target logit becomes
//     |x_i| (lambda c_{i,y_i} + psi(theta_{i,y_i})) / (1 + lambda)
//   as the reference implementations train it (Caffe: lambda = max(5, 1000 / (1 + 0.12 it));
//   clcarwin's sphereface_pytorch AngleLoss: max(5, 1500 / (1 + 0.1 it)), sphereface_lambda()).
//   From a random start, m = 4 alone hardly converges; large lambda starts near plain softmax.
//   mean over the N samples, sum, or none [N]
//
// No acos in the graph: cos(m theta) is the Chebyshev polynomial T_m(c) (T_0 = 1, T_1 = c,
// T_{n+1} = 2 c T_n - T_{n-1}; m = 4: 8c^4 - 8c^2 + 1), as the reference code computes it, and k
// = floor(m acos(c) / pi) is read off the value (a constant in the backward). So the gradient is
// finite everywhere, c = +-1 included: d psi / dc = (-1)^k T_m'(c), a polynomial (psi is smooth
// at the k boundaries too: both sides' slope in theta is 0 there). c is clamped to [-1, 1]
// before acos only, to absorb rounding past 1.
// Gradient to x: through |x_i| (the scale) and through the direction x / |x|; to W through the
// row normalisation. logsumexp keeps large |x| finite.
#include <algorithm>
#include <cmath>

#include "autograd/functional.h"
#include "losses/metric/angular_util.h"
#include "losses/metric/distance_util.h"
#include "losses/metric_angular.h"
#include "tensor/ops.h"

namespace minidl::losses {

double sphereface_lambda(std::int64_t iteration) {
  return std::max(5.0, 1500.0 / (1.0 + 0.1 * static_cast<double>(iteration)));
}

Variable sphereface_loss(const Variable& embeddings, const Variable& labels, const Variable& weight,
                         const SphereFaceLossOptions& o) {
  constexpr const char* kOp = "sphereface_loss";
  angular::check_inputs(kOp, embeddings, labels, weight, o.reduction);
  MINIDL_CHECK(o.margin >= 1, kOp, ": margin must be an integer >= 1, got ", o.margin);
  MINIDL_CHECK(o.anneal_lambda >= 0, kOp, ": anneal_lambda must be >= 0, got ", o.anneal_lambda);
  const Variable cos = angular::cosine_logits(embeddings, weight);
  // T_m(c) by the Chebyshev recurrence.
  Variable t_prev = constant_like(cos, 1.0), t = cos;
  for (std::int64_t n = 1; n < o.margin; ++n) {
    Variable next = sub(mul(mul(cos, t), 2.0), t_prev);
    t_prev = t;
    t = next;
  }
  // k and (-1)^k from the value: constants of the backward.
  const Tensor c = cos.value().to(DType::kFloat64);
  Tensor sign = zeros(cos.shape(), DType::kFloat64), two_k = zeros(cos.shape(), DType::kFloat64);
  const double* cv = c.data<double>();
  double* sv = sign.data<double>();
  double* kv = two_k.data<double>();
  const auto m = static_cast<double>(o.margin);
  for (std::int64_t i = 0; i < c.numel(); ++i) {
    const double theta = std::acos(std::clamp(cv[i], -1.0, 1.0));
    const double k = std::min(std::floor(m * theta / M_PI), m - 1);
    sv[i] = std::fmod(k, 2.0) == 0 ? 1.0 : -1.0;
    kv[i] = 2 * k;
  }
  Variable psi = sub(mul(t, Variable(sign.to(cos.dtype()))), Variable(two_k.to(cos.dtype())));
  if (o.anneal_lambda > 0) psi = div(add(mul(cos, o.anneal_lambda), psi), 1.0 + o.anneal_lambda);
  const Tensor mask = angular::target_mask(labels.value(), weight.size(0), cos.dtype());
  const Variable x_norm = norm(embeddings, 2.0, {1}, true);
  const Variable logits = mul(where(mask, psi, cos), x_norm);
  return angular::softmax_cross_entropy(logits, labels, o.reduction, kOp);
}

}  // namespace minidl::losses
