// binary_cross_entropy_with_logits: sigmoid + binary cross entropy in one stable formula,
// torch.nn.functional.binary_cross_entropy_with_logits.
//
// For a logit x, target y, weight w (broadcast to x) and positive-class weight p (pos_weight,
// broadcast over the last axis, the classes of a multi-label output):
//   l = -w [p y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))]
//     =  w [(1 - y) x + (1 + (p - 1) y) softplus(-x)]        since log sigmoid(x) = -softplus(-x)
//                                                             and log(1 - sigmoid(x)) = -x -
//                                                             softplus(-x)
//   softplus(-x) = log(1 + e^-x) = m + log(e^-m + e^(-x - m)),  m = max(-x, 0)
// The last line is PyTorch's own form: no exponent is positive, so nothing overflows for logits of
// any size (x = +-1e4 gives exactly 0 or 1e4 per element), and m is held constant for the
// gradient (it cancels, as the shift of a log-sum-exp), so the gradient is exact at x = 0 as well.
//   none: l     mean: sum l / numel     sum: sum l
//   d l / d x = w [(1 + (p - 1) y) sigmoid(x) - p y]          (= w (sigmoid(x) - y) without p)
//   d l / d y = w [(p - 1) softplus(-x) - x]
// p > 1 raises recall on the positives: PyTorch's docs suggest p = #negatives / #positives per
// class. The weights are differentiable here (PyTorch refuses weights that require grad).
//
// Shapes: input and target of one shape (any); weight broadcasts to it; pos_weight broadcasts to
// it too, normally [C] for input [N, C].
#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/classification.h"
#include "losses/classification/class_target_util.h"
#include "tensor/ops.h"

namespace minidl::losses {

Variable binary_cross_entropy_with_logits(const Variable& input, const Variable& target,
                                          const BinaryCrossEntropyWithLogitsOptions& options) {
  constexpr const char* kOp = "binary_cross_entropy_with_logits";
  check_floating(kOp, "input", input);
  check_floating(kOp, "target", target);
  check_same_shape(kOp, "input", input, "target", target);
  check_not_empty(kOp, "input", input);
  const Variable& x = input;
  const Variable& y = target;
  const Variable m(relu(neg(x.value())));  // max(-x, 0), a constant
  const Variable softplus_neg_x = m + log(exp(-m) + exp(-x - m));
  Variable loss;
  if (options.pos_weight.defined()) {
    check_floating(kOp, "pos_weight", options.pos_weight);
    detail::check_broadcasts_to(kOp, "pos_weight", options.pos_weight, x.shape());
    const Variable log_weight = (options.pos_weight - 1.0) * y + 1.0;
    loss = (1.0 - y) * x + log_weight * softplus_neg_x;
  } else {
    loss = (1.0 - y) * x + softplus_neg_x;
  }
  if (options.weight.defined()) {
    check_floating(kOp, "weight", options.weight);
    detail::check_broadcasts_to(kOp, "weight", options.weight, x.shape());
    loss = loss * options.weight;
  }
  return reduce(loss, options.reduction, kOp);
}

}  // namespace minidl::losses
