// poisson_nll_loss: the negative log-likelihood of counts y under a Poisson rate lambda,
// torch.nn.functional.poisson_nll_loss.
//
//   -log P(y | lambda) = lambda - y log lambda + log(y!)
// The model predicts x = log lambda (log_input, the default: any real x is a valid rate, and the
// loss is convex in x) or lambda itself (log_input = false, x must be > -eps):
//   l = e^x - y x                       log_input
//   l = x - y log(x + eps)              otherwise; eps keeps log(0) away when x = 0
// log(y!) does not depend on the model; full = true adds its Stirling approximation
//   y log y - y + 0.5 log(2 pi y)       only where y > 1 (0 elsewhere: log(0!) = log(1!) = 0)
// so the loss is comparable with a true NLL for large counts.
// Gradients:
//   d l / d x = e^x - y                 d l / d y = -x                (log_input)
//   d l / d x = 1 - y / (x + eps)       d l / d y = -log(x + eps)     (otherwise)
//   full adds d / d y = log y + 1 / (2 y) where y > 1, and 0 where 0 < y <= 1. At y = 0 the
//   gradient w.r.t. target is NaN, as in PyTorch 1.13: the masked Stirling term is still
//   differentiated there (0 * log 0). Targets are data and normally need no gradient.
// Stability: e^x overflows for x > ~709 in float64 (~88 in float32), as in PyTorch; the rate is
// a count scale, so such inputs mean a diverged model.
// Reductions: mean over all elements, sum, none.
//
// Shapes: input and target any equal shape, floating point; targets are counts (any y >= 0).
#include <cmath>
#include <numbers>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/probabilistic.h"
#include "tensor/ops.h"

namespace minidl::losses {

Variable poisson_nll_loss(const Variable& input, const Variable& target,
                          const PoissonNllLossOptions& options) {
  constexpr const char* kOp = "poisson_nll_loss";
  check_floating(kOp, "input", input);
  check_floating(kOp, "target", target);
  check_same_shape(kOp, "input", input, "target", target);
  check_not_empty(kOp, "input", input);
  Variable loss =
      options.log_input ? exp(input) - target * input : input - target * log(input + options.eps);
  if (options.full) {
    const Variable stirling =
        target * log(target) - target + 0.5 * log(target * (2.0 * std::numbers::pi));
    loss = loss + where(le(target.value(), 1.0), scalar_like(stirling, 0.0), stirling);
  }
  return reduce(loss, options.reduction, kOp);
}

}  // namespace minidl::losses
