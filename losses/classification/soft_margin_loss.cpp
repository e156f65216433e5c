// soft_margin_loss: the logistic loss on scores x and labels y in {-1, +1}
// (torch.nn.functional.soft_margin_loss).
//
//   l_i = log(1 + exp(-y_i x_i)) = softplus(-y_i x_i)
//   mean: (1/n) sum_i l_i   sum: sum_i l_i   none: l, same shape as x
//   d l_i / d x_i = -y_i sigmoid(-y_i x_i)
//
// It is logistic regression written with -1/+1 labels: with p = sigmoid(x) and t = (y + 1) / 2,
// l = -t log p - (1 - t) log(1 - p), i.e. binary_cross_entropy_with_logits. It is the smooth
// version of the hinge max(0, -y x): no kink, and it never stops pushing the margin out.
//
// Stability: softplus(z) = max(z, 0) + log1p(exp(-|z|)), so a score of -1e4 with y = +1 gives
// 1e4 and gradient -1, where PyTorch's log1p(exp(z)) overflows to inf once z > ~709 (the only
// difference from PyTorch; below that the two agree to rounding). The max is taken with its tie
// split in half, so at x = 0 the gradient is exactly -y/2 = -y sigmoid(0) (relu(z) in its place
// would give 0 at that one point).
//
// Convention: PyTorch's, including 'mean' over all elements. The labels must be exactly -1/+1
// (PyTorch accepts anything) and get no gradient (PyTorch refuses a target that requires grad).
//
// Shapes: input and target any equal shape, floating point.
#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/classification_margin.h"

namespace minidl::losses {
Variable soft_margin_loss(const Variable& input, const Variable& target,
                          const SoftMarginLossOptions& options) {
  constexpr const char* kOp = "soft_margin_loss";
  check_floating(kOp, "input", input);
  check_floating(kOp, "target", target);
  check_same_shape(kOp, "input", input, "target", target);
  check_not_empty(kOp, "input", input);
  check_sign_labels(kOp, "target", target);
  const Variable y(target.value().to(input.dtype()));  // a constant: labels get no gradient
  return reduce(softplus(-(y * input)), options.reduction, kOp);
}

}  // namespace minidl::losses
