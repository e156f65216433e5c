// class_balanced_loss: "Class-Balanced Loss Based on Effective Number of Samples" (Cui, Jia, Lin,
// Song and Belongie, CVPR 2019, arXiv:1901.05555), following the official code
// (richardaecn/class-balanced-loss, src/cifar_main.py).
//
// The effective number of samples of a class with n samples is E_n = (1 - beta^n) / (1 - beta):
// new samples of a class overlap more and more with the ones already seen, so their worth
// saturates. Each sample is weighted by the inverse effective number of its class,
//   w_c = (1 - beta) / (1 - beta^n_c),   normalised so that sum_c w_c = C   (official code)
// beta = 0 gives w_c = 1 (no re-weighting), beta -> 1 gives w_c proportional to 1 / n_c.
//
// For logits x [N, C], targets y [N] and y1 = one_hot(y) [N, C], the per-sample loss is
//   softmax: l_i = w_{y_i} CE(x_i, y_i) = -w_{y_i} log softmax(x_i)_{y_i}
//   sigmoid: l_i = w_{y_i} sum_c BCE(x_ic, y1_ic),   BCE(x, t) = log(1 + e^x) - x t
//   focal:   l_i = w_{y_i} sum_c m_ic BCE(x_ic, y1_ic),
//            m = (1 - p_t)^gamma = exp(-gamma y1 x - gamma log(1 + e^-x)),  p = sigmoid(x)
// The sigmoid and focal forms treat the C classes as C independent binary problems, and the
// weight of the sample's class multiplies all C of them (the official code tiles w_{y_i} over
// the row). The focal form has no separate alpha: the class-balanced weight is its alpha.
//
// Reductions. The official code divides the summed loss by the number of samples N in all three
// cases (softmax: TF's softmax_cross_entropy with weights, whose SUM_BY_NONZERO_WEIGHTS reduction
// counts the N non-zero weights; sigmoid and focal: sum / sum(one_hot) = N). So here
//   none: l, shape [N]     mean: (1/N) sum_i l_i     sum: sum_i l_i
// Note the mean is *not* cross_entropy's weighted mean (sum w_y l / sum w_y): dividing by N keeps
// the weights' overall size in the loss, which the official normalisation (sum to C) fixes.
//
// Gradients: softmax: dl_i/dx_ic = w_{y_i} (softmax(x_i)_c - y1_ic); sigmoid: w_{y_i} (sigmoid
// (x_ic) - y1_ic); focal: the product rule on m BCE (both smooth). No kinks.
//
// Stability: cross_entropy (log-sum-exp) for softmax, binary_cross_entropy_with_logits for BCE,
// and the focal modulator in the official code's log-space form with log(1 + e^-x) computed
// branch-wise (common.h: the official log1p(exp(-x)) overflows to inf for x < -709). Logits of
// +-1e4 give finite values and gradients. The weights are computed in double, 1 - beta^n as
// -expm1(n log beta) (beta = 0.9999 and n = 1 would otherwise lose 4 digits).
//
// Shapes: input [N, C] floating point, target int64 [N] in [0, C), samples_per_class C values.
#include <cmath>
#include <limits>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/classification.h"
#include "losses/imbalance.h"
#include "losses/imbalance/common.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace minidl::losses {

Variable class_balanced_loss(const Variable& input, const Variable& target,
                             const ClassBalancedLossOptions& options) {
  constexpr const char* kOp = "class_balanced_loss";
  check_floating(kOp, "input", input);
  check_int64(kOp, "target", target);
  MINIDL_CHECK(input.dim() == 2, kOp, ": input must be [N, C], got ", shape_str(input.shape()));
  check_not_empty(kOp, "input", input);
  const std::int64_t n = input.size(0), num_classes = input.size(1);
  MINIDL_CHECK(target.dim() == 1 && target.size(0) == n, kOp, ": target ",
               shape_str(target.shape()), " must be [", n, "] for input ",
               shape_str(input.shape()));
  check_labels(kOp, target.value(), num_classes, std::numeric_limits<std::int64_t>::min());
  const std::vector<double>& counts = options.samples_per_class;
  MINIDL_CHECK(static_cast<std::int64_t>(counts.size()) == num_classes, kOp,
               ": samples_per_class has ", counts.size(), " values, input has ", num_classes,
               " classes");
  for (std::size_t c = 0; c < counts.size(); ++c)
    MINIDL_CHECK(counts[c] > 0 && std::isfinite(counts[c]), kOp, ": samples_per_class[", c, "] is ",
                 counts[c], "; every class needs at least one sample");
  MINIDL_CHECK(options.beta >= 0 && options.beta < 1, kOp, ": beta must be in [0, 1), got ",
               options.beta);
  const std::string& type = options.loss_type;
  MINIDL_CHECK(type == "softmax" || type == "sigmoid" || type == "focal", kOp,
               ": loss_type must be 'softmax', 'sigmoid' or 'focal', got '", clip(type), "'");
  MINIDL_CHECK(options.gamma >= 0 && std::isfinite(options.gamma), kOp,
               ": gamma must be finite and >= 0, got ", options.gamma);
  MINIDL_CHECK(options.reduction != Reduction::BatchMean, kOp,
               ": reduction 'batchmean' is only for kl_div");

  const Tensor weights =
      from_vector(effective_number_weights(counts, options.beta)).to(input.dtype());
  Variable loss;
  if (type == "softmax") {
    loss =
        cross_entropy(input, target, {.weight = Variable(weights), .reduction = Reduction::None});
  } else {
    const Variable w_y(index_select(weights, 0, target.value()));
    const Variable y1(one_hot(target.value(), num_classes).to(input.dtype()));
    Variable per_logit =
        binary_cross_entropy_with_logits(input, y1, {.reduction = Reduction::None});
    if (type == "focal" && options.gamma != 0)
      per_logit = per_logit * exp(-options.gamma * (y1 * input) - options.gamma * softplus(-input));
    loss = w_y * sum(per_logit, {1});
  }
  if (options.reduction == Reduction::Mean)
    return mul_scalar(sum(loss), 1.0 / static_cast<double>(n));
  return reduce(loss, options.reduction, kOp);
}

}  // namespace minidl::losses
