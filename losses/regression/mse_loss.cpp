// mse_loss: the mean squared error, torch.nn.functional.mse_loss.
//
//   l_i = (x_i - y_i)^2                       (no 1/2 factor, as PyTorch)
//   mean: (1/n) sum_i l_i   sum: sum_i l_i   none: l, same shape as x
//   d l_i / d x_i = 2 (x_i - y_i) = -d l_i / d y_i
//
// Shapes: input and target any equal shape, floating point.
#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/regression.h"

namespace minidl::losses {

Variable mse_loss(const Variable& input, const Variable& target, const MseLossOptions& options) {
  constexpr const char* kOp = "mse_loss";
  check_floating(kOp, "input", input);
  check_floating(kOp, "target", target);
  check_same_shape(kOp, "input", input, "target", target);
  check_not_empty(kOp, "input", input);
  return reduce(square(input - target), options.reduction, kOp);
}

}  // namespace minidl::losses
