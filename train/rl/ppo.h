// PPO-clip (layer 4, train/rl/) for Discrete action spaces, with the defaults of CleanRL's
// ppo.py (Huang et al. 2022, "The 37 implementation details of PPO"):
//
//   num_envs 4, num_steps 128 (batch 512), lr 2.5e-4 annealed linearly to 0, Adam eps 1e-5,
//   gamma 0.99, GAE lambda 0.95, 4 minibatches x 4 epochs, advantages normalised per minibatch,
//   clip 0.2 (policy and value), entropy 0.01, value coefficient 0.5, global grad-norm clip 0.5;
//   separate actor and critic MLPs obs-64-64 with tanh.
//   loss = ppo_clip_loss - ent_coef mean(H) + vf_coef ppo_value_loss
//
// Differences from ppo.py, on purpose: truncated episodes bootstrap from the value of their final
// observation (rl::gae; ppo.py treats truncation as termination), and the layers start from
// PyTorch's default init instead of orthogonal init (minidl has no orthogonal_ yet).
// Logs one row per iteration with Spinning Up's keys: AverageEpRet, StdEpRet, EpLen (over the
// episodes finished in the last `window`), TotalEnvInteracts, LossPi, LossV, Entropy, KL
// (CleanRL's approx_kl, (r - 1) - log r), ClipFrac, Time, and CleanRL's ExplainedVar.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nn/sequential.h"
#include "train/callbacks.h"

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
  bool clip_vloss = true;
  double ent_coef = 0.01;
  double vf_coef = 0.5;
  double max_grad_norm = 0.5;
  std::vector<std::int64_t> hidden = {64, 64};
  std::uint64_t seed = 1;     // CleanRL's default
  std::int64_t window = 100;  // episodes in the logged averages
  // Greedy evaluation before and after training (evaluate_greedy), 0 = none.
  std::int64_t eval_episodes = 10;
  std::uint64_t eval_seed = 1000;
  std::string log_path = "";
  std::function<void(const Logs&)> on_log = nullptr;
};

struct PpoResult {
  std::vector<double> returns;  // every finished episode, in order
  std::vector<std::int64_t> lengths;
  std::int64_t total_steps = 0;
  double seconds = 0;
  std::shared_ptr<nn::Sequential> actor, critic;
  std::vector<Logs> log;
  double eval_before = 0, eval_after = 0;  // mean greedy return, if eval_episodes > 0
};

PpoResult ppo(const PpoOptions& options);

// Average return of `episodes` episodes of env_id with the deterministic policy (argmax of the
// actor's logits), the environment reset with seed, seed + 1, ...
double evaluate_greedy(const std::string& env_id, nn::Module& actor, std::int64_t episodes,
                       std::uint64_t seed);

}  // namespace minidl::train::rl
