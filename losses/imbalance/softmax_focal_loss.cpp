// softmax_focal_loss: the focal loss (Lin et al., ICCV 2017, arXiv:1708.02002) for multi-class
// targets: cross entropy on softmax probabilities, scaled down for well-classified samples.
//
//   log p = log_softmax(x, axis 1),  p_y = the probability of the target class
//   l_i = -alpha_{y_i} (1 - p_{y_i})^gamma log p_{y_i}      (alpha undefined: alpha_c = 1)
//   l_i = 0 where y_i == ignore_index
//   none: l, shape [N] (or [N, d...])
//   sum:  sum_i l_i
//   mean: sum_i l_i / sum_{i not ignored} alpha_{y_i}   (a count of the non-ignored samples
//         when alpha is undefined); 0, with a zero gradient, when that sum is 0 (every target
//         ignored), as minidl's cross_entropy (PyTorch gives NaN)
//
// The mean is alpha-weighted, the convention of PyTorch's cross_entropy / nll_loss with `weight`,
// so that gamma = 0 gives exactly cross_entropy(input, target, {.weight = alpha, .ignore_index})
// in every reduction: switching from CE to focal changes the focusing term and nothing else. A
// side effect worth knowing: only the ratios between the alpha_c matter for the mean (scaling
// alpha changes nothing), whereas a plain mean over samples (as some popular implementations do,
// and as the paper's normalisation by the number of positive anchors amounts to) lets the overall
// size of alpha scale the gradients, i.e. the learning rate.
//
// Gradient with respect to the logits of sample i (z = x_i, y = y_i, b = 1 - p_y, L = -log p_y):
//   dl_i/dz_c = alpha_y [ b^gamma - gamma b^(gamma-1) p_y L ] (p_c - [c == y])
// (the bracket is d l / d log p_y, then log p_y's softmax Jacobian). Smooth: no kinks.
//
// Stability: log p_y comes from log_softmax (max-subtracted log-sum-exp), and 1 - p_y is formed
// as -expm1(log p_y), accurate when p_y is close to 1 where 1 - exp(log p_y) would cancel.
// Logits of +-1e4 give finite values and gradients. For gamma < 1 the base 1 - p_y is kept at
// least the smallest normal number so that p_y = 1 exactly cannot give 0 * inf = NaN.
//
// Shapes: input [N, C] or [N, C, d...] floating point; target int64 [N] or [N, d...], each in
// [0, C) or ignore_index; alpha [C].
#include <cmath>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/imbalance.h"
#include "losses/imbalance/common.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace minidl::losses {

Variable softmax_focal_loss(const Variable& input, const Variable& target,
                            const SoftmaxFocalLossOptions& options) {
  constexpr const char* kOp = "softmax_focal_loss";
  check_floating(kOp, "input", input);
  check_int64(kOp, "target", target);
  MINIDL_CHECK(input.dim() >= 2, kOp, ": input must be [N, C] or [N, C, d...], got ",
               shape_str(input.shape()));
  check_not_empty(kOp, "input", input);
  Shape expected = input.shape();
  expected.erase(expected.begin() + 1);
  MINIDL_CHECK(target.shape() == expected, kOp, ": target ", shape_str(target.shape()), " must be ",
               shape_str(expected), " for input ", shape_str(input.shape()));
  MINIDL_CHECK(options.gamma >= 0 && std::isfinite(options.gamma), kOp,
               ": gamma must be finite and >= 0, got ", options.gamma);
  const std::int64_t num_classes = input.size(1);
  check_labels(kOp, target.value(), num_classes, options.ignore_index);
  const Variable& alpha = options.alpha;
  if (alpha.defined()) {
    check_floating(kOp, "alpha", alpha);
    MINIDL_CHECK(alpha.dim() == 1 && alpha.size(0) == num_classes, kOp, ": alpha must be [",
                 num_classes, "] (one weight per class), got ", shape_str(alpha.shape()));
  }

  // Ignored positions look up class 0 (any valid index) and are zeroed at the end.
  const Tensor ignored = eq(target.value(), static_cast<double>(options.ignore_index));
  const Tensor safe_target = where(ignored, zeros({}, kInt64), target.value());
  const Variable log_p =
      squeeze(take_along_axis(log_softmax(input, 1), unsqueeze(safe_target, 1), 1), 1);
  Variable loss = -log_p;
  if (options.gamma != 0) loss = loss * detail::modulating_factor(-expm1(log_p), options.gamma);
  Variable alpha_y;
  if (alpha.defined()) {
    alpha_y = reshape(index_select(alpha, 0, safe_target.reshape({-1})), target.shape());
    loss = alpha_y * loss;
  }
  loss = masked_fill(loss, ignored, 0.0);
  if (options.reduction != Reduction::Mean) return reduce(loss, options.reduction, kOp);

  // A zero denominator (every target ignored) gives 0 with a zero gradient, as cross_entropy.
  const Variable total = sum(loss);
  if (!alpha.defined()) {
    const double kept = static_cast<double>(target.numel()) - sum(ignored).item();
    return mul_scalar(total, kept > 0 ? 1.0 / kept : 0.0);
  }
  const Variable weight_sum = sum(masked_fill(alpha_y, ignored, 0.0));
  return weight_sum.item() != 0 ? total / weight_sum : mul_scalar(total, 0.0);
}

}  // namespace minidl::losses
