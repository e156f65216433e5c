// l1_loss: the mean absolute error, torch.nn.functional.l1_loss.
//
//   d_i = x_i - y_i,   l_i = |d_i|
//   mean: (1/n) sum_i l_i   sum: sum_i l_i   none: l, same shape as x
//   d l_i / d x_i = sign(d_i) = -d l_i / d y_i
//
// Kink at d_i = 0: the subgradient chosen is 0 (sign(0) = 0), as PyTorch's backward. 0 lies in
// the subdifferential [-1, 1], and it means a prediction already on its target is not pushed.
//
// Why use it: minimising E|x - Y| puts x at a median of Y (half the mass on each side), so one
// wild target moves the fit by a bounded amount (slope 1), where the squared error's pull grows
// with the size of the outlier. Its gradient does not shrink near the optimum, so a constant
// learning rate keeps it jittering there; smooth_l1_loss and huber_loss round off the kink.
//
// Shapes: input and target any equal shape, floating point.
#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/regression.h"

namespace minidl::losses {

Variable l1_loss(const Variable& input, const Variable& target, const L1LossOptions& options) {
  constexpr const char* kOp = "l1_loss";
  check_floating(kOp, "input", input);
  check_floating(kOp, "target", target);
  check_same_shape(kOp, "input", input, "target", target);
  check_not_empty(kOp, "input", input);
  return reduce(abs(input - target), options.reduction, kOp);
}

}  // namespace minidl::losses
