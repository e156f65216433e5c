// huber_loss: squared error near the target, absolute error beyond delta,
// torch.nn.functional.huber_loss (Huber 1964, "Robust Estimation of a Location Parameter").
//
//   d_i = x_i - y_i
//   l_i = 0.5 d_i^2                   if |d_i| < delta
//         delta (|d_i| - 0.5 delta)   otherwise                  (delta = 1.0 by default)
//   d l_i / d x_i = d_i  if |d_i| < delta,  delta sign(d_i) otherwise;   d l_i / d y_i = -that
//
// The pieces meet with equal value (delta^2 / 2) and slope (+-delta) at |d| = delta, so there is
// no subgradient to choose; the second derivative jumps from 1 to 0. Each residual's pull is
// capped at delta: the M-estimator Huber built to be efficient under Gaussian noise yet barely
// moved by gross outliers.
//
// huber_loss(delta) = delta * smooth_l1_loss(beta = delta) (PyTorch's docs): smooth_l1 keeps the
// tail slope at 1 and shrinks the parabola, Huber keeps the parabola and scales the tails. As
// delta -> infinity Huber becomes mse_loss / 2; as delta -> 0 it goes to 0 (delta |d|).
// delta must be positive, as in PyTorch ("does not support non-positive values for delta").
// Stability: the quadratic branch sees d clamped to [-delta, delta], so the branch `where`
// discards never holds inf for huge |d| (0 * inf = NaN in its backward).
//
// Reduction mean/sum/none over all elements.
// Shapes: input and target any equal shape, floating point.
#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/regression.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace minidl::losses {

Variable huber_loss(const Variable& input, const Variable& target,
                    const HuberLossOptions& options) {
  constexpr const char* kOp = "huber_loss";
  check_floating(kOp, "input", input);
  check_floating(kOp, "target", target);
  check_same_shape(kOp, "input", input, "target", target);
  check_not_empty(kOp, "input", input);
  const double delta = options.delta;
  MINIDL_CHECK(delta > 0, kOp, ": delta must be positive, got ", delta);
  const Variable d = input - target;
  const Variable a = abs(d);
  const Variable quadratic = 0.5 * square(clamp(d, -delta, delta));
  const Variable linear = delta * (a - 0.5 * delta);
  return reduce(where(lt(a.value(), delta), quadratic, linear), options.reduction, kOp);
}

}  // namespace minidl::losses
