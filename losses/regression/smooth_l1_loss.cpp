// smooth_l1_loss: L1 with the kink at 0 rounded into a parabola of width beta,
// torch.nn.functional.smooth_l1_loss (Girshick 2015, Fast R-CNN, with beta = 1).
//
//   d_i = x_i - y_i
//   l_i = 0.5 d_i^2 / beta     if |d_i| < beta
//         |d_i| - 0.5 beta     otherwise                      (beta = 1.0 by default)
//   d l_i / d x_i = d_i / beta  if |d_i| < beta,  sign(d_i) otherwise;   d l_i / d y_i = -that
//
// The two pieces meet with equal value (beta / 2) and equal slope (+-1) at |d| = beta, so the
// loss is continuously differentiable and there is no subgradient to choose there; the second
// derivative jumps from 1 / beta to 0. The slope of the linear part is 1 for every beta, so beta
// only sets where the quadratic zone ends (huber_loss instead keeps the quadratic 0.5 d^2 and
// scales the tails: huber_loss(delta) = delta * smooth_l1_loss(beta = delta)).
//
// beta = 0 is exactly l1_loss: the quadratic zone is empty, and the subgradient at d = 0 is
// l1_loss's sign(0) = 0. (Deviation: PyTorch 1.13 runs its smooth_l1 kernel for beta = 0 too,
// whose backward tests d <= -beta first and so returns -1 at d = 0, for the input and, by the
// same formula with the arguments swapped, for the target as well; the values agree.) Computing
// 0.5 d^2 / 0 would also give 0 / 0 in the unused branch and NaN through its backward, so this
// case takes the l1 path.
// Stability: the quadratic branch sees d clamped to [-beta, beta], so for huge |d| the branch
// that `where` discards never holds inf (whose zero gradient would become 0 * inf = NaN).
// beta < 0 is an error (PyTorch: "does not support negative values for beta").
//
// Reduction mean/sum/none over all elements, as l1_loss.
// Shapes: input and target any equal shape, floating point.
#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/regression.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace minidl::losses {

Variable smooth_l1_loss(const Variable& input, const Variable& target,
                        const SmoothL1LossOptions& options) {
  constexpr const char* kOp = "smooth_l1_loss";
  check_floating(kOp, "input", input);
  check_floating(kOp, "target", target);
  check_same_shape(kOp, "input", input, "target", target);
  check_not_empty(kOp, "input", input);
  const double beta = options.beta;
  MINIDL_CHECK(beta >= 0, kOp, ": beta must be non-negative, got ", beta);
  const Variable d = input - target;
  const Variable a = abs(d);
  if (beta == 0) return reduce(a, options.reduction, kOp);
  const Variable quadratic = square(clamp(d, -beta, beta)) * (0.5 / beta);
  const Variable linear = a - 0.5 * beta;
  return reduce(where(lt(a.value(), beta), quadratic, linear), options.reduction, kOp);
}

}  // namespace minidl::losses
