// reinforce_loss: REINFORCE's surrogate for a categorical policy over logits (Williams 1992).
//
//   log pi_i = log_softmax(logits)[i, a_i]            (stable: logits of 1e4 are fine)
//   H_i      = -sum_a p_ia log p_ia,  p = softmax(logits)
//   L = -(1/N) sum_i log pi_i A_i  -  c (1/N) sum_i H_i,   A constant (detached)
//   dL/dlogits_ia = -(A_i / N) ([a = a_i] - p_ia) - c dH_i/dlogits_ia
//   dH_i/dlogits_ia = -p_ia (log p_ia + H_i)
// Its gradient is the score-function estimator of grad E[return] when A_i is the reward-to-go
// (or any advantage); with normalised returns and c = 0 it is pytorch/examples' reinforce.py,
// with c > 0 the entropy bonus of A2C/PPO. PyTorch has no such function: the fixtures write it
// with torch.distributions.Categorical.
#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/policy_gradient.h"
#include "losses/reduction.h"
#include "tensor/error.h"

namespace minidl::losses {

Variable reinforce_loss(const Variable& logits, const Variable& actions, const Variable& advantages,
                        const ReinforceLossOptions& options) {
  constexpr const char* kOp = "reinforce_loss";
  check_floating(kOp, "logits", logits);
  check_int64(kOp, "actions", actions);
  check_floating(kOp, "advantages", advantages);
  MINIDL_CHECK(logits.dim() == 2, kOp, ": logits must be [N, A], got ", logits.value().repr());
  check_not_empty(kOp, "logits", logits);
  const std::int64_t n = logits.size(0), a = logits.size(1);
  MINIDL_CHECK(actions.shape() == Shape{n} && advantages.shape() == Shape{n}, kOp,
               ": actions and advantages must be [", n, "] for logits [", n, ", ", a,
               "], got actions ", actions.value().repr(), " and advantages ",
               advantages.value().repr());
  MINIDL_CHECK(options.entropy_coef >= 0, kOp, ": entropy_coef must be >= 0, got ",
               options.entropy_coef);
  check_labels(kOp, actions.value(), a, -1);
  const Variable log_p = log_softmax(logits, 1);
  const Variable chosen = reshape(gather(log_p, 1, actions.value().reshape({n, 1})), {n});
  const Variable adv = to(advantages.detach(), logits.dtype());
  Variable loss = neg(mean(chosen * adv));
  if (options.entropy_coef != 0) {
    const Variable entropy = neg(sum(exp(log_p) * log_p, {1}));
    loss = loss - options.entropy_coef * mean(entropy);
  }
  return loss;
}

}  // namespace minidl::losses
