// The policy-gradient rows of the loss registry (losses/registry.h). PyTorch has none of these
// as a function; the fixtures write them with torch.distributions and CleanRL's ppo.py.
#include "losses/registry.h"

#include "losses/policy_gradient.h"

namespace minidl::losses {

std::vector<LossInfo> policy_gradient_losses() {
  const ParamSpec entropy_coef{"entropy_coef", 0.0, "weight c >= 0 of the entropy bonus"};
  const ParamSpec clip_eps{"clip_eps", 0.2, "clip range e (CleanRL's clip_coef)"};
  return in_family(
      "policy_gradient",
      {
          {.name = "reinforce_loss",
           .formula = "-mean_i(log_softmax(logits)[i, a_i] A_i) - c mean_i H_i, A constant",
           .reference =
               "Williams 1992 (REINFORCE); pytorch/examples reinforcement_learning/reinforce.py",
           .inputs = {{"logits", InputKind::kFloat, false, "policy logits [N, A]"},
                      {"actions", InputKind::kInt, false, "actions taken [N], int64 in [0, A)"},
                      {"advantages", InputKind::kFloat, false,
                       "returns or advantages [N] (constant)"}},
           .params = {entropy_coef},
           .evaluate =
               [](const EvalArgs& a) {
                 const ReinforceLossOptions d;  // the C++ defaults
                 return reinforce_loss(a.input("logits"), a.input("actions"), a.input("advantages"),
                                       {.entropy_coef = a.number("entropy_coef", d.entropy_coef)});
               },
           .torch_has_it = false},
          {.name = "gaussian_reinforce_loss",
           .formula = "-mean_i(log N(a_i; mu_i, exp(log_std)^2) A_i) - c mean_i H_i, A constant",
           .reference = "Williams 1992; Spinning Up's MLPGaussianActor (state-independent log_std)",
           .inputs =
               {{"mean", InputKind::kFloat, false, "policy means [N, D]"},
                {"log_std", InputKind::kFloat, false, "log standard deviations [D] or [N, D]"},
                {"actions", InputKind::kFloat, false, "actions taken [N, D]"},
                {"advantages", InputKind::kFloat, false, "returns or advantages [N] (constant)"}},
           .params = {entropy_coef},
           .evaluate =
               [](const EvalArgs& a) {
                 const ReinforceLossOptions d;  // the C++ defaults
                 return gaussian_reinforce_loss(
                     a.input("mean"), a.input("log_std"), a.input("actions"), a.input("advantages"),
                     {.entropy_coef = a.number("entropy_coef", d.entropy_coef)});
               },
           .torch_has_it = false},
          {.name = "ppo_clip_loss",
           .formula = "mean(max(-A r, -A clip(r, 1 - e, 1 + e))), r = exp(logp - logp_old)",
           .reference = "Schulman et al. 2017 (PPO); CleanRL ppo.py pg_loss",
           .inputs = {{"log_probs", InputKind::kFloat, false, "log pi(a|s) under the policy [N]"},
                      {"old_log_probs", InputKind::kFloat, false,
                       "log pi_old(a|s) from the rollout [N] (constant)"},
                      {"advantages", InputKind::kFloat, false, "advantages [N] (constant)"}},
           .params = {clip_eps},
           .evaluate =
               [](const EvalArgs& a) {
                 const PpoClipLossOptions d;  // the C++ defaults
                 return ppo_clip_loss(a.input("log_probs"), a.input("old_log_probs"),
                                      a.input("advantages"),
                                      {.clip_eps = a.number("clip_eps", d.clip_eps)});
               },
           .torch_has_it = false},
          {.name = "ppo_value_loss",
           .formula = "0.5 mean(max((v - R)^2, (v_old + clip(v - v_old, -e, e) - R)^2))",
           .reference = "CleanRL ppo.py v_loss (clip_vloss)",
           .inputs = {{"values", InputKind::kFloat, false, "V(s) under the critic [N]"},
                      {"old_values", InputKind::kFloat, false,
                       "V(s) from the rollout [N] (constant)"},
                      {"returns", InputKind::kFloat, false, "value targets [N] (constant)"}},
           .params = {clip_eps,
                      {"clip_vloss", true, "clip the value update (false: 0.5 mean((v - R)^2))"}},
           .evaluate =
               [](const EvalArgs& a) {
                 const PpoValueLossOptions d;  // the C++ defaults
                 return ppo_value_loss(a.input("values"), a.input("old_values"), a.input("returns"),
                                       {.clip_eps = a.number("clip_eps", d.clip_eps),
                                        .clip_vloss = a.flag("clip_vloss", d.clip_vloss)});
               },
           .torch_has_it = false},
      });
}

}  // namespace minidl::losses
