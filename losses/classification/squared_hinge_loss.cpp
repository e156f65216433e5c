// squared_hinge_loss: the L2-SVM loss on scores x and labels y in {-1, +1}.
//
//   l_i = max(0, margin - y_i x_i)^2              (Keras `squared_hinge`; L2-SVM, e.g. Tang 2013)
//   mean: (1/n) sum_i l_i   sum: sum_i l_i   none: l, same shape as x
//   d l_i / d x_i = -2 y_i max(0, margin - y_i x_i)
//
// Unlike the hinge, the squared hinge is differentiable everywhere: at margin - y x = 0 both
// one-sided derivatives are 0, so there is no subgradient to choose. Squaring punishes large
// violations more (an outlier pulls harder) and gives a smooth, strongly convex-near-the-margin
// objective that second-order and line-search solvers like (LIBLINEAR's default L2-loss SVM).
//
// Convention: as binary_hinge_loss, labels must be -1/+1 (Keras maps {0, 1} labels first), 'mean'
// averages over all elements, and the labels get no gradient. PyTorch has no such function.
//
// Shapes: input and target any equal shape, floating point.
#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/classification_margin.h"

namespace minidl::losses {

Variable squared_hinge_loss(const Variable& input, const Variable& target,
                            const SquaredHingeLossOptions& options) {
  constexpr const char* kOp = "squared_hinge_loss";
  check_floating(kOp, "input", input);
  check_floating(kOp, "target", target);
  check_same_shape(kOp, "input", input, "target", target);
  check_not_empty(kOp, "input", input);
  check_sign_labels(kOp, "target", target);
  const Variable y(target.value().to(input.dtype()));  // a constant: labels get no gradient
  return reduce(square(relu(options.margin - y * input)), options.reduction, kOp);
}

}  // namespace minidl::losses
