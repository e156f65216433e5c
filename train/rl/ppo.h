// PPO-clip (layer 4, train/rl/) for Discrete and Box action spaces, with the defaults of CleanRL's
// ppo.py (Huang et al. 2022, "The 37 implementation details of PPO"):
//
//   num_envs 4, num_steps 128 (batch 512), lr 2.5e-4 annealed linearly to 0, Adam eps 1e-5,
//   gamma 0.99, GAE lambda 0.95, 4 minibatches x 4 epochs, advantages normalised per minibatch,
//   clip 0.2 (policy and value), entropy 0.01, value coefficient 0.5, global grad-norm clip 0.5;
//   separate actor and critic MLPs obs-64-64 with tanh and CleanRL's orthogonal layer_init
//   (train/rl/actor_critic.h).
//   loss = ppo_clip_loss - ent_coef mean(H) + vf_coef ppo_value_loss
//
// Box actions (ppo_continuous_action.py): a DiagGaussian with a state-independent log_std
// starting at 0, ClipAction, and with normalize_obs / normalize_reward Gymnasium's
// NormalizeObservation + clip 10 and NormalizeReward(gamma) + clip 10 around each copy.
//
// ppo_settings(env) returns the tuned settings used for each environment (sources there).
//
// Differences from ppo.py, on purpose: truncated episodes bootstrap from the value of their final
// observation (rl::gae; ppo.py treats truncation as termination); evaluation (eval_episodes
// greedy episodes at the end, and every eval_every iterations) uses the deterministic policy.
// Logs one row per iteration with Spinning Up's keys: AverageEpRet, StdEpRet, EpLen (over the
// episodes finished in the last `window`), TotalEnvInteracts, LossPi, LossV, Entropy, KL
// (CleanRL's approx_kl, (r - 1) - log r), ClipFrac, Time, CleanRL's ExplainedVar, and EvalRet
// on the rows where an evaluation ran (NaN elsewhere).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "train/callbacks.h"
#include "train/rl/actor_critic.h"

namespace minidl::train::rl {

struct PpoOptions {
  std::string env = "CartPole-v1";
  std::int64_t total_steps = 500000;
  std::int64_t num_envs = 4;
  std::int64_t num_steps = 128;
  double lr = 2.5e-4;
  bool anneal_lr = true;
  double gamma = 0.99;
  double gae_lambda = 0.95;
  std::int64_t num_minibatches = 4;
  std::int64_t update_epochs = 4;
  bool norm_adv = true;
  double clip_eps = 0.2;
  bool anneal_clip = false;  // the RL Zoo's lin_0.2: clip_eps annealed like the learning rate
  bool clip_vloss = true;
  double ent_coef = 0.01;
  double vf_coef = 0.5;
  double max_grad_norm = 0.5;
  NetOptions net = {};
  bool normalize_obs = false;
  bool normalize_reward = false;
  std::uint64_t seed = 1;     // CleanRL's default
  std::int64_t window = 100;  // episodes in the logged averages
  // Greedy evaluation before and after training (and every eval_every iterations if > 0), 0 = none.
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

// The settings minidl uses per environment, each PpoOptions{} changed only where the source does
// (the Zoo's are DLR-RM/rl-baselines3-zoo hyperparams/ppo.yml on top of SB3's PPO defaults, which
// do not clip the value loss; SB3's ortho_init matches CleanRL's layer_init):
//   CartPole-v1: the RL Baselines3 Zoo's tuned ppo.yml (8 envs x 32 steps, batch 256 in one
//     minibatch, 20 epochs, gamma 0.98, GAE 0.8, lr 1e-3 and clip 0.2 both annealed, entropy 0)
//   Acrobot-v1: the Zoo's ppo.yml (normalize, 16 envs x 256 steps, 4 epochs, GAE 0.94,
//     entropy 0; SB3's batch_size 64 = 64 minibatches, lr 3e-4), 200k steps, the learning rate
//     annealed as in CleanRL (the Zoo keeps it constant: evaluation -85.1, -94.8, -100.2 on
//     seeds 0-2 at 200k; annealed -87.5, -77.5, -87.5)
//   Pendulum-v1: CleanRL's ppo_continuous_action.py (1 env x 2048 steps, 32 minibatches x 10
//     epochs, lr 3e-4 annealed, value clipping, entropy 0, observation and reward normalisation)
//     with the Zoo's tuned gamma 0.9 (the Zoo's own Pendulum settings rely on gSDE, which minidl
//     does not have: without it, lr 1e-3 and 64-sample minibatches ended at -1034 on seed 0);
//     300k steps
// Any other id: PpoOptions{} with env set.
PpoOptions ppo_settings(const std::string& env);

struct PpoResult {
  EpisodeHistory episodes;
  std::int64_t total_steps = 0;
  double seconds = 0;
  std::shared_ptr<ActorCritic> model;
  std::vector<Logs> log;
  double eval_before = 0, eval_after = 0;  // mean greedy return, if eval_episodes > 0
};

PpoResult ppo(const PpoOptions& options);

}  // namespace minidl::train::rl
