// gaussian_reinforce_loss: REINFORCE's surrogate for a diagonal Gaussian policy (Williams 1992;
// Spinning Up's MLPGaussianActor with a state-independent log-std).
//
//   log pi_i = sum_d -(a_id - mu_id)^2 / (2 sigma_d^2) - log sigma_d - log(2 pi) / 2
//   H_i      = sum_d 1/2 + log(2 pi) / 2 + log sigma_d           (independent of mu)
//   L = -(1/N) sum_i log pi_i A_i  -  c (1/N) sum_i H_i,   sigma = exp(log_std), A constant
//   dL/dmu_id = -(A_i / N) (a_id - mu_id) / sigma_d^2
//   dL/dlog_std_d = -(1/N) sum_i A_i ((a_id - mu_id)^2 / sigma_d^2 - 1) - c
// (a - mu) / sigma is formed as (a - mu) exp(-log_std), so no division by a tiny sigma. The
// actions are data (they were sampled): their gradient is reported but is not a policy gradient.
// PyTorch has no such function: the fixtures write it with torch.distributions.Normal, summed
// over the last axis as CleanRL and Spinning Up do.
#include <cmath>
#include <numbers>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/policy_gradient.h"
#include "losses/reduction.h"
#include "tensor/error.h"

namespace minidl::losses {

Variable gaussian_reinforce_loss(const Variable& mu, const Variable& log_std,
                                 const Variable& actions, const Variable& advantages,
                                 const ReinforceLossOptions& options) {
  constexpr const char* kOp = "gaussian_reinforce_loss";
  check_floating(kOp, "mean", mu);
  check_floating(kOp, "log_std", log_std);
  check_floating(kOp, "actions", actions);
  check_floating(kOp, "advantages", advantages);
  MINIDL_CHECK(mu.dim() == 2, kOp, ": mean must be [N, D], got ", mu.value().repr());
  check_not_empty(kOp, "mean", mu);
  const std::int64_t n = mu.size(0), d = mu.size(1);
  MINIDL_CHECK((log_std.shape() == Shape{d} || log_std.shape() == Shape{n, d}), kOp,
               ": log_std must be [", d, "] or [", n, ", ", d, "], got ", log_std.value().repr());
  check_same_shape(kOp, "actions", actions, "mean", mu);
  MINIDL_CHECK(advantages.shape() == Shape{n}, kOp, ": advantages must be [", n, "], got ",
               advantages.value().repr());
  MINIDL_CHECK(options.entropy_coef >= 0, kOp, ": entropy_coef must be >= 0, got ",
               options.entropy_coef);
  const double half_log_2pi = 0.5 * std::log(2 * std::numbers::pi);
  const Variable z = (actions - mu) * exp(neg(log_std));
  const Variable log_pi = sum(square(z) * -0.5 - log_std - half_log_2pi, {1});
  const Variable adv = to(advantages.detach(), mu.dtype());
  Variable loss = neg(mean(log_pi * adv));
  if (options.entropy_coef != 0) {
    const Variable entropy = sum(broadcast_to(log_std + (0.5 + half_log_2pi), mu.shape()), {1});
    loss = loss - options.entropy_coef * mean(entropy);
  }
  return loss;
}

}  // namespace minidl::losses
