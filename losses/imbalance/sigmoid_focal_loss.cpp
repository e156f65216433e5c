// sigmoid_focal_loss: the focal loss of RetinaNet (Lin, Goyal, Girshick, He and Dollar, ICCV 2017,
// arXiv:1708.02002), element by element on logits, as torchvision.ops.sigmoid_focal_loss.
//
//   p = sigmoid(x),  p_t = p t + (1 - p)(1 - t)            (the probability given to the truth)
//   ce = BCE-with-logits(x, t) = log(1 + e^x) - x t        (= -log p_t for t in {0, 1})
//   alpha_t = alpha t + (1 - alpha)(1 - t)                  (alpha < 0: alpha_t = 1, no weighting)
//   l = alpha_t (1 - p_t)^gamma ce
//   none: l, the shape of x (torchvision's default!)   mean: (1/n) sum l   sum: sum l
//
// Why it helps with imbalance: a well-classified element (p_t -> 1) is scaled down by
// (1 - p_t)^gamma, so the flood of easy negatives stops drowning the few hard examples;
// gamma = 0 and alpha < 0 give plain binary cross entropy. alpha = 0.25 weights the positives
// *down* (the paper found it best together with gamma = 2, since focusing already favours them).
//
// Gradient (for t in {0, 1}; the code differentiates the same expression for any t in [0, 1]):
//   with b = 1 - p_t,  dl/dx = alpha_t [ b^gamma (p - t) + gamma b^(gamma-1) db/dx ce ],
//   db/dx = (1 - 2t) p (1 - p). Smooth everywhere: no kinks.
//
// Stability: ce is losses::binary_cross_entropy_with_logits (PyTorch's overflow-free form, exact
// slope at x = 0); 1 - p_t is formed as t sigmoid(-x) + (1 - t) sigmoid(x), the same value
// as torchvision's 1 - p_t but without its cancellation when p_t is close to 1. Logits of +-1e4
// give finite values and gradients. For gamma < 1 the factor's base is kept >= the smallest
// normal number, so b = 0 exactly cannot give 0 * inf = NaN (torchvision gives NaN there).
//
// Shapes: inputs and targets any equal shape, floating point; targets in [0, 1].
#include <cmath>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/classification.h"
#include "losses/imbalance.h"
#include "losses/imbalance/common.h"
#include "tensor/error.h"

namespace minidl::losses {

Variable sigmoid_focal_loss(const Variable& inputs, const Variable& targets,
                            const SigmoidFocalLossOptions& options) {
  constexpr const char* kOp = "sigmoid_focal_loss";
  check_floating(kOp, "inputs", inputs);
  check_floating(kOp, "targets", targets);
  check_same_shape(kOp, "inputs", inputs, "targets", targets);
  check_not_empty(kOp, "inputs", inputs);
  MINIDL_CHECK(options.gamma >= 0 && std::isfinite(options.gamma), kOp,
               ": gamma must be finite and >= 0, got ", options.gamma);
  MINIDL_CHECK(options.alpha <= 1 && !std::isnan(options.alpha), kOp,
               ": alpha must be in [0, 1] (or negative for none), got ", options.alpha);
  const Tensor t64 = targets.value().to(kFloat64);
  const double* t = t64.data<double>();
  for (std::int64_t i = 0; i < t64.numel(); ++i)
    MINIDL_CHECK(t[i] >= 0 && t[i] <= 1, kOp, ": targets must lie in [0, 1], got ", t[i],
                 " at position ", i);

  Variable loss = binary_cross_entropy_with_logits(inputs, targets, {.reduction = Reduction::None});
  if (options.gamma != 0) {
    const Variable one_minus_pt = targets * sigmoid(-inputs) + (1.0 - targets) * sigmoid(inputs);
    loss = loss * detail::modulating_factor(one_minus_pt, options.gamma);
  }
  if (options.alpha >= 0) {
    const Variable alpha_t = options.alpha * targets + (1.0 - options.alpha) * (1.0 - targets);
    loss = alpha_t * loss;
  }
  return reduce(loss, options.reduction, kOp);
}

}  // namespace minidl::losses
