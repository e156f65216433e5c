// Policy-gradient losses (layer 2): the surrogate objectives whose gradients are the policy
// gradient estimators. Each is defined in losses/policy_gradient/<name>.cpp with its formula
// block; the distributions they use (categorical over logits, diagonal Gaussian) are written
// here with autograd ops because losses/ sits below rl/ (rl/distributions.h holds the same
// formulas for sampling policies; both are checked against torch.distributions).
//
// Shapes: N samples (time steps), A discrete actions, D action dimensions.
// Advantages, old log-probabilities, old values and returns are treated as constants: the
// losses read them through detach(), so their gradients are zero, as in the reference code
// (which computes them under torch.no_grad()).
//
//   reinforce_loss           -mean(log pi(a|s) A) - c mean(H)         categorical policy
//   gaussian_reinforce_loss  the same for a diagonal Gaussian policy
//   ppo_clip_loss            mean(max(-A r, -A clip(r, 1 - e, 1 + e))), r = exp(logp - logp_old)
//   ppo_value_loss           0.5 mean(max((v - R)^2, (v_old + clip(v - v_old, -e, e) - R)^2))
#pragma once

#include "autograd/variable.h"

namespace minidl::losses {

struct ReinforceLossOptions {
  double entropy_coef = 0.0;  // c >= 0: weight of the entropy bonus
};
// logits [N, A], actions int64 [N], advantages [N]: -mean_i(log_softmax(logits)[i, a_i] A_i)
// - c mean_i H_i (Williams 1992; pytorch/examples reinforce.py with c = 0).
Variable reinforce_loss(const Variable& logits, const Variable& actions, const Variable& advantages,
                        const ReinforceLossOptions& options = {});

// mean [N, D], log_std [D] (state-independent, Spinning Up) or [N, D], actions [N, D],
// advantages [N]: -mean_i(log N(a_i; mu_i, sigma^2) A_i) - c mean_i H_i, summing the log density
// and the entropy over D.
Variable gaussian_reinforce_loss(const Variable& mean, const Variable& log_std,
                                 const Variable& actions, const Variable& advantages,
                                 const ReinforceLossOptions& options = {});

struct PpoClipLossOptions {
  double clip_eps = 0.2;  // CleanRL's clip_coef
};
// log_probs, old_log_probs, advantages [N]: CleanRL ppo.py's pg_loss (Schulman et al. 2017).
Variable ppo_clip_loss(const Variable& log_probs, const Variable& old_log_probs,
                       const Variable& advantages, const PpoClipLossOptions& options = {});

struct PpoValueLossOptions {
  double clip_eps = 0.2;   // CleanRL's clip_coef, shared with the policy's clip
  bool clip_vloss = true;  // false: 0.5 mean((v - R)^2)
};
// values, old_values, returns [N]: CleanRL ppo.py's v_loss (with its 0.5 factor).
Variable ppo_value_loss(const Variable& values, const Variable& old_values, const Variable& returns,
                        const PpoValueLossOptions& options = {});

}  // namespace minidl::losses
