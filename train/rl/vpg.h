// Vanilla policy gradient with GAE (layer 4, train/rl/), with the defaults of OpenAI Spinning Up's
// vpg.py (Achiam 2018), and REINFORCE with a learned value baseline as its lambda = 1 case.
//
//   each epoch: steps_per_epoch 4000 steps of num_envs 1 copy; episodes cut by the epoch end (or
//     by a time limit) bootstrap from V of their last observation, terminated ones from 0
//   A = GAE(gamma 0.99, lambda 0.97) normalised over the epoch, R = A + V (rl::gae)
//   one policy step: L_pi = -mean(A log pi(a|s)), Adam(pi_lr 3e-4)
//   train_v_iters 80 value steps: L_v = mean((V(s) - R)^2), Adam(vf_lr 1e-3), full batch
//   actor and critic MLPs obs-64-64 tanh with PyTorch's default init; Gaussian log_std starts at
//   -0.5 (Spinning Up's MLPGaussianActor)
// reinforce_baseline_settings(): lambda 1, so A_t = G_t - V(s_t) with G the discounted
// reward-to-go (Williams 1992's baseline; Sutton & Barto 2018, section 13.4), everything else as
// VPG. Logs one row per epoch with Spinning Up's keys (AverageEpRet, StdEpRet, EpLen,
// TotalEnvInteracts, LossPi, LossV, Entropy, KL, Time, ExplainedVar, EvalRet).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "train/callbacks.h"
#include "train/rl/actor_critic.h"

namespace minidl::train::rl {

struct VpgOptions {
  std::string env = "CartPole-v1";
  std::int64_t total_steps = 200000;  // Spinning Up: 50 epochs x 4000
  std::int64_t num_envs = 1;
  std::int64_t steps_per_epoch = 4000;  // per copy
  double gamma = 0.99;
  double lam = 0.97;
  double pi_lr = 3e-4;
  double vf_lr = 1e-3;
  std::int64_t train_v_iters = 80;
  bool norm_adv = true;
  NetOptions net = {.init = Init::kDefault, .log_std_init = -0.5};
  bool normalize_obs = false;
  bool normalize_reward = false;
  std::uint64_t seed = 0;  // Spinning Up's default
  std::int64_t window = 100;
  std::int64_t eval_episodes = 10;
  std::int64_t eval_every = 0;
  std::uint64_t eval_seed = 1000;
  std::string log_path = "";
  // A progress bar (0 none, 1 on a terminal, 2 plain) and the learning-curve PNG ("" = none).
  int verbose = 0;
  std::string curve_path = "";
  // Checkpoints with exact resume (train/rl/checkpoint.h): written after every iteration when
  // set; resume_from continues a saved run (built with the same options); stop_after > 0 stops
  // after that many iterations of this call (a run cut in two for the tests).
  std::string checkpoint_path = "";
  std::string resume_from = "";
  std::int64_t stop_after = 0;
  std::function<void(const Logs&)> on_log = nullptr;
};

// VpgOptions{} with lam = 1: REINFORCE with a learned value baseline.
VpgOptions reinforce_baseline_settings();

struct VpgResult {
  EpisodeHistory episodes;
  std::int64_t total_steps = 0;
  double seconds = 0;
  std::shared_ptr<ActorCritic> model;
  std::vector<Logs> log;
  double eval_before = 0, eval_after = 0;
};

VpgResult vpg(const VpgOptions& options);

}  // namespace minidl::train::rl
