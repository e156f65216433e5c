// quantile_loss: the pinball (check) loss of quantile regression, Koenker & Bassett 1978,
// "Regression Quantiles", Econometrica 46(1):33-50. PyTorch has none; TensorFlow Addons has it as
// PinballLoss(tau) / pinball_loss.
//
//   u_i = y_i - x_i                  (target minus input: u > 0 means the input is too low)
//   l_i = max(q u_i, (q - 1) u_i) = q u_i if u_i >= 0,  (1 - q) |u_i| if u_i < 0
//       = q relu(u_i) + (1 - q) relu(-u_i)                           (quantile q = 0.5 default)
//   d l_i / d x_i = -q if x_i < y_i,  1 - q if x_i > y_i;   d l_i / d y_i = -that
//
// Why it fits quantiles: the expected loss E l(Y - x) has derivative P(Y < x) - q in x, so it is
// minimised where P(Y <= x) = q, at the q-th quantile of Y (the conditional quantile when x is a
// model's prediction). An input below its target pays q per unit, one above pays 1 - q: for
// q = 0.9 under-prediction costs nine times more, and the fit settles above 90% of the targets.
// q = 0.5 gives 0.5 |x - y|, half of l1_loss (the median).
//
// Sign convention: u = target - input, as Koenker & Bassett's rho_q(y - x'b) and TF Addons'
// pinball_loss(y_true, y_pred) (delta = y_true - y_pred). Swapping the roles would fit the
// (1 - q)-th quantile instead.
//
// Kink at u_i = 0: the subdifferential is [q - 1, q] (in u); the subgradient chosen is 0, as
// relu'(0) = 0 and as l1_loss's sign(0) = 0, so an input exactly on its target is not pushed
// (0 lies in the interval for every q). Other libraries differ here: max() with ties going to the
// first argument (TF) gives q, torch.maximum's even split gives q - 1/2.
//
// q must lie in (0, 1) (Koenker & Bassett's range): at 0 or 1 one side costs nothing and the
// minimiser runs off to -+infinity. Reduction mean/sum/none over all elements.
// Shapes: input and target any equal shape, floating point.
#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/regression.h"
#include "tensor/error.h"

namespace minidl::losses {

Variable quantile_loss(const Variable& input, const Variable& target,
                       const QuantileLossOptions& options) {
  constexpr const char* kOp = "quantile_loss";
  check_floating(kOp, "input", input);
  check_floating(kOp, "target", target);
  check_same_shape(kOp, "input", input, "target", target);
  check_not_empty(kOp, "input", input);
  const double q = options.quantile;
  MINIDL_CHECK(q > 0 && q < 1, kOp, ": quantile must be in (0, 1), got ", q);
  const Variable u = target - input;
  return reduce(q * relu(u) + (1 - q) * relu(-u), options.reduction, kOp);
}

}  // namespace minidl::losses
