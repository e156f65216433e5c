// ppo_clip_loss: PPO's clipped surrogate (Schulman et al. 2017), as CleanRL's ppo.py writes it.
//
//   r_i = exp(log_probs_i - old_log_probs_i)
//   L = (1/N) sum_i max(-A_i r_i, -A_i clip(r_i, 1 - e, 1 + e))
//   (the max of the negated terms is the min of the clipped objective: minimising L maximises
//   L^CLIP). old_log_probs and A are constants (detached).
//   dL/dlog_probs_i = -(A_i / N) r_i where the unclipped term is the max, 0 where the clipped
//   term is (its r is outside [1 - e, 1 + e] on the side that would improve it); where the two
//   terms are equal (r inside the range) the tie is split evenly, as torch.max does, and both
//   halves carry -A_i r_i / N.
#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/policy_gradient.h"
#include "losses/reduction.h"
#include "tensor/error.h"

namespace minidl::losses {

Variable ppo_clip_loss(const Variable& log_probs, const Variable& old_log_probs,
                       const Variable& advantages, const PpoClipLossOptions& options) {
  constexpr const char* kOp = "ppo_clip_loss";
  check_floating(kOp, "log_probs", log_probs);
  check_floating(kOp, "old_log_probs", old_log_probs);
  check_floating(kOp, "advantages", advantages);
  MINIDL_CHECK(log_probs.dim() == 1, kOp, ": log_probs must be [N], got ",
               log_probs.value().repr());
  check_not_empty(kOp, "log_probs", log_probs);
  check_same_shape(kOp, "old_log_probs", old_log_probs, "log_probs", log_probs);
  check_same_shape(kOp, "advantages", advantages, "log_probs", log_probs);
  MINIDL_CHECK(options.clip_eps >= 0 && options.clip_eps < 1, kOp,
               ": clip_eps must be in [0, 1), got ", options.clip_eps);
  const Variable adv = to(advantages.detach(), log_probs.dtype());
  const Variable ratio = exp(log_probs - to(old_log_probs.detach(), log_probs.dtype()));
  const Variable unclipped = neg(adv) * ratio;
  const Variable clipped = neg(adv) * clamp(ratio, 1 - options.clip_eps, 1 + options.clip_eps);
  return mean(maximum(unclipped, clipped));
}

}  // namespace minidl::losses
