// ppo_value_loss: PPO's clipped value loss, as CleanRL's ppo.py writes it (clip_vloss=True).
//
//   unclipped_i = (v_i - R_i)^2
//   clipped_i   = (v_old_i + clip(v_i - v_old_i, -e, e) - R_i)^2
//   L = 0.5 (1/N) sum_i max(unclipped_i, clipped_i)
//   clip_vloss = false:  L = 0.5 (1/N) sum_i (v_i - R_i)^2
//   old values and returns R are constants (detached); ties split the gradient evenly (torch.max).
// The clip keeps the new value within e of the value the rollout saw, unless that moves it
// further from the target (the max picks the worse of the two).
#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/policy_gradient.h"
#include "losses/reduction.h"
#include "tensor/error.h"

namespace minidl::losses {

Variable ppo_value_loss(const Variable& values, const Variable& old_values, const Variable& returns,
                        const PpoValueLossOptions& options) {
  constexpr const char* kOp = "ppo_value_loss";
  check_floating(kOp, "values", values);
  check_floating(kOp, "old_values", old_values);
  check_floating(kOp, "returns", returns);
  MINIDL_CHECK(values.dim() == 1, kOp, ": values must be [N], got ", values.value().repr());
  check_not_empty(kOp, "values", values);
  check_same_shape(kOp, "old_values", old_values, "values", values);
  check_same_shape(kOp, "returns", returns, "values", values);
  MINIDL_CHECK(options.clip_eps >= 0, kOp, ": clip_eps must be >= 0, got ", options.clip_eps);
  const Variable ret = to(returns.detach(), values.dtype());
  const Variable unclipped = square(values - ret);
  if (!options.clip_vloss) return 0.5 * mean(unclipped);
  const Variable old = to(old_values.detach(), values.dtype());
  const Variable v_clipped = old + clamp(values - old, -options.clip_eps, options.clip_eps);
  return 0.5 * mean(maximum(unclipped, square(v_clipped - ret)));
}

}  // namespace minidl::losses
