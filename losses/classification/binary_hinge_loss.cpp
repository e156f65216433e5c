// binary_hinge_loss: the hinge loss of a linear (or any) SVM on scores x and labels y in {-1, +1}.
//
//   l_i = max(0, margin - y_i x_i)                (Cortes & Vapnik 1995; Keras `hinge`)
//   mean: (1/n) sum_i l_i   sum: sum_i l_i   none: l, same shape as x
//   d l_i / d x_i = -y_i  if margin - y_i x_i > 0,  else 0
//
// The kink: at margin - y x = 0 exactly the subgradient taken is 0 (the sample sits on the margin
// and counts as satisfied), the convention of relu and of PyTorch's multi_margin_loss kernel.
// Any value in [-y, 0] is a valid subgradient; 0 makes a separable problem stop moving once every
// sample reaches the margin.
//
// Convention: PyTorch has no binary hinge loss (its hinge_embedding_loss is a different loss, on
// distances). Keras' `hinge` converts {0, 1} labels to -1/+1 and averages over the last axis; here
// the labels must already be -1/+1 (anything else is an error: a 0 label would silently give
// max(0, margin) with no gradient) and 'mean' averages over all elements (the same number for
// equal-length rows). The labels are data: they get no gradient.
//
// Shapes: input and target any equal shape, floating point.
#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/classification_margin.h"

namespace minidl::losses {

Variable binary_hinge_loss(const Variable& input, const Variable& target,
                           const BinaryHingeLossOptions& options) {
  constexpr const char* kOp = "binary_hinge_loss";
  check_floating(kOp, "input", input);
  check_floating(kOp, "target", target);
  check_same_shape(kOp, "input", input, "target", target);
  check_not_empty(kOp, "input", input);
  check_sign_labels(kOp, "target", target);
  const Variable y(target.value().to(input.dtype()));  // a constant: labels get no gradient
  return reduce(relu(options.margin - y * input), options.reduction, kOp);
}

}  // namespace minidl::losses
