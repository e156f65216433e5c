// Synchronous advantage actor-critic, A2C (layer 4, train/rl/; Mnih et al. 2016 made synchronous
// as in OpenAI Baselines), with Stable-Baselines3's defaults (stable_baselines3/a2c/a2c.py):
//
//   n-step rollouts of num_steps 5 from each of num_envs copies, GAE lambda 1 (plain n-step
//   returns bootstrapped from V of the observation after the rollout), gamma 0.99
//   one update per rollout on the whole [T N] batch:
//     loss = -mean(A log pi(a|s)) - ent_coef mean(H) + vf_coef mean((R - V(s))^2)
//   ent_coef 0, vf_coef 0.5, RMSprop(lr 7e-4 constant, alpha 0.99, eps 1e-5), global grad-norm
//   clip 0.5, advantages not normalised; separate actor and critic MLPs obs-64-64 tanh with
//   orthogonal init (SB3's ortho_init, the same gains as CleanRL's layer_init).
// num_envs 8 is the RL Baselines3 Zoo's a2c.yml for CartPole-v1 and Acrobot-v1 (n_envs 8 and
// 16; ent_coef 0); SB3's own default is one environment.
// Logs one row per log_every updates with Spinning Up's keys (AverageEpRet, StdEpRet, EpLen,
// TotalEnvInteracts, LossPi, LossV, Entropy, Time, ExplainedVar, EvalRet).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "train/callbacks.h"
#include "train/rl/actor_critic.h"

namespace minidl::train::rl {

struct A2cOptions {
  std::string env = "CartPole-v1";
  std::int64_t total_steps = 500000;
  std::int64_t num_envs = 8;
  std::int64_t num_steps = 5;
  double lr = 7e-4;
  double gamma = 0.99;
  double gae_lambda = 1.0;
  double ent_coef = 0.0;
  double vf_coef = 0.5;
  double max_grad_norm = 0.5;
  double rms_alpha = 0.99, rms_eps = 1e-5;
  bool norm_adv = false;
  NetOptions net = {};
  bool normalize_obs = false;
  bool normalize_reward = false;
  std::uint64_t seed = 1;
  std::int64_t window = 100;
  std::int64_t log_every = 100;  // updates per log row
  std::int64_t eval_episodes = 10;
  std::int64_t eval_every = 0;  // log rows between evaluations, 0 = only before and after
  std::uint64_t eval_seed = 1000;
  std::string log_path = "";
  // A progress bar (0 none, 1 on a terminal, 2 plain) and the learning-curve PNG ("" = none).
  int verbose = 0;
  std::string curve_path = "";
  // Checkpoints with exact resume (train/rl/checkpoint.h): written at every log row when set
  // (iterations are updates here; resume at a log row); resume_from continues a saved run (built
  // with the same options); stop_after > 0 stops after that many iterations of this call (a run cut
  // in two for the tests).
  std::string checkpoint_path = "";
  std::string resume_from = "";
  std::int64_t stop_after = 0;
  std::function<void(const Logs&)> on_log = nullptr;
};

struct A2cResult {
  EpisodeHistory episodes;
  std::int64_t total_steps = 0;
  double seconds = 0;
  std::shared_ptr<ActorCritic> model;
  std::vector<Logs> log;
  double eval_before = 0, eval_after = 0;
};

A2cResult a2c(const A2cOptions& options);

}  // namespace minidl::train::rl
