// adacos_loss: AdaCos of Zhang, Zhao, Liu, Qiao and Li, "AdaCos: Adaptively Scaling Cosine
// Logits for Effectively Learning Deep Face Representations", CVPR 2019.
//
//   c_ij = cos theta_ij = <x_i / |x_i|, w_j / |w_j|>    (embeddings and weight rows normalised)
//   l_i = CE of s c_i (logsumexp_j s c_ij - s c_{i,y_i}); no margin; mean / sum / none [N]
//   fixed (eq. 13):    s = sqrt(2) log(C - 1)
//   dynamic (eq. 16, Algorithm 1): at step t, with s^(t-1) the previous scale (the fixed one at
//     the first step), from the batch and without gradient:
//       B_avg = (1/N) sum_i sum_{j != y_i} e^{s^(t-1) c_ij}
//       theta_med = median_i theta_{i,y_i}      (torch.median: the lower middle of an even count)
//       s^(t) = log(B_avg) / cos(min(pi/4, theta_med))
//     and this batch's loss uses s^(t), as the paper's algorithm and the widely used PyTorch
//     implementation (4uiiurz1/pytorch-adacos) do.
//   The dynamic scale is state across steps: the caller keeps an AdaCosState and passes it to
//   every call (options.state); it is written in place (scale, and the B_avg and theta_med that
//   gave it, for logging). The scale is a constant of the backward (no_grad in the reference).
//
// Why this scale: it puts the target's softmax probability at its steepest where the median
// sample sits, so the gradient neither vanishes (s too small: every class equally likely) nor
// saturates (s too large). The paper needs C >= 3 (log(C - 1) > 0). B_avg < 1 (every
// non-target cosine strongly negative) would give a negative scale; the paper's rule is kept
// as written (a real batch of a fresh or trained head has B_avg >> 1).
//
// Gradient: dl_i/dc_ij = s (p_ij - [j = y_i]), through the normalisations to embeddings and
// weight. theta is only read off values (acos of c clamped to [-1, 1]), never differentiated,
// so c = +-1 is harmless. logsumexp keeps large s finite.
#include <algorithm>
#include <cmath>
#include <vector>

#include "autograd/functional.h"
#include "losses/metric/angular_util.h"
#include "losses/metric_angular.h"

namespace minidl::losses {

double adacos_fixed_scale(std::int64_t num_classes) {
  MINIDL_CHECK(num_classes >= 3, "adacos_loss: needs at least 3 classes (s = sqrt(2) log(C - 1)), ",
               "got C = ", num_classes);
  return std::sqrt(2.0) * std::log(static_cast<double>(num_classes - 1));
}

namespace {

// s^(t) from the batch's cosines c [N, C] (float64 values) and labels, given s^(t-1).
void update_scale(const Tensor& cos, const Tensor& labels, AdaCosState& st) {
  const std::int64_t n = cos.size(0), c = cos.size(1);
  const double* cv = cos.data<double>();
  const std::int64_t* y = labels.data<std::int64_t>();
  double b_sum = 0;
  std::vector<double> target_theta(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < c; ++j)
      if (j != y[i]) b_sum += std::exp(st.scale * cv[i * c + j]);
    target_theta[static_cast<std::size_t>(i)] = std::acos(std::clamp(cv[i * c + y[i]], -1.0, 1.0));
  }
  const auto mid = target_theta.begin() + (n - 1) / 2;
  std::nth_element(target_theta.begin(), mid, target_theta.end());
  st.b_avg = b_sum / static_cast<double>(n);
  st.theta_med = *mid;
  st.scale = std::log(st.b_avg) / std::cos(std::min(M_PI / 4, st.theta_med));
}

}  // namespace

Variable adacos_loss(const Variable& embeddings, const Variable& labels, const Variable& weight,
                     const AdacosLossOptions& o) {
  constexpr const char* kOp = "adacos_loss";
  angular::check_inputs(kOp, embeddings, labels, weight, o.reduction);
  MINIDL_CHECK(!o.dynamic || o.state != nullptr, kOp,
               ": the dynamic scale needs a state (options.state) kept across steps");
  const double fixed = adacos_fixed_scale(weight.size(0));
  const Variable cos = angular::cosine_logits(embeddings, weight);
  double scale = fixed;
  if (o.dynamic) {
    AdaCosState& st = *o.state;
    if (!(st.scale > 0)) st.scale = fixed;
    update_scale(cos.value().to(DType::kFloat64), labels.value(), st);
    MINIDL_CHECK(std::isfinite(st.scale), kOp, ": the dynamic scale is not finite (B_avg ",
                 st.b_avg, ")");
    scale = st.scale;
  }
  return angular::softmax_cross_entropy(mul(cos, scale), labels, o.reduction, kOp);
}

}  // namespace minidl::losses
