// kl_div: the pointwise Kullback-Leibler divergence, torch.nn.functional.kl_div.
//
// input x holds log-probabilities log q (a log_softmax output); target holds p, or log p when
// log_target. Per element:
//   l = p (log p - x)            with l = 0 where p = 0 (the xlogy convention 0 log 0 = 0)
//   l = e^t (t - x)              log_target, t = log p (no 0 log 0 case: p = 0 is t = -inf)
// Summed over a distribution's support these give KL(p || q) = sum_c p_c log(p_c / q_c).
//   batchmean: sum / N (N = size of axis 0): the true KL per sample, the one to use
//   mean:      sum / numel (PyTorch's default): also divides by the support size C, so it is
//              KL / C; PyTorch warns about it at every call and plans to make 'mean' mean
//              batchmean. minidl keeps PyTorch's value and prints nothing: choose batchmean.
//   sum, none as usual. A 0-d input with batchmean is summed (PyTorch divides by nothing then).
// Gradients:
//   d l / d x = -p                                d l / d x = -e^t            (log_target)
//   d l / d p = log p + 1 - x        (p > 0)      d l / d t = e^t (t - x + 1) (log_target)
//   d l / d p at p = 0 is NaN, exactly as PyTorch 1.13: its xlogy backward computes 0 / 0
//   there (the one-sided derivative is -inf). The gradient w.r.t. input is finite everywhere
//   (-0 at p = 0), and a target that does not require grad (a teacher's softmax, detached) never
//   meets it; a trainable target is best given in log space (log_target = true).
// Stability: p is never divided by and log p is taken only where it is selected; log_target
// avoids the log of a softmax that underflowed to 0 altogether.
//
// Shapes: input and target any equal shape (usually [N, C]), floating point.
#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/probabilistic.h"
#include "tensor/ops.h"

namespace minidl::losses {

Variable kl_div(const Variable& input, const Variable& target, const KlDivOptions& options) {
  constexpr const char* kOp = "kl_div";
  check_floating(kOp, "input", input);
  check_floating(kOp, "target", target);
  check_same_shape(kOp, "input", input, "target", target);
  check_not_empty(kOp, "input", input);
  Variable loss;
  if (options.log_target) {
    loss = exp(target) * (target - input);
  } else {
    // xlogy(p, p): the unselected branch's 0 * log 0 = NaN never reaches the value.
    const Variable p_log_p =
        where(eq(target.value(), 0.0), scalar_like(target, 0.0), target * log(target));
    loss = p_log_p - target * input;
  }
  Reduction r = options.reduction;
  if (r == Reduction::BatchMean && input.dim() == 0) r = Reduction::Sum;
  return reduce(loss, r, kOp, /*allow_batchmean=*/true);
}

}  // namespace minidl::losses
