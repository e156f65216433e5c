// REINFORCE (layer 4, train/rl/): Monte-Carlo policy gradient with reward-to-go and normalised
// returns, one update per episode (Williams 1992), with the defaults of pytorch/examples'
// reinforcement_learning/reinforce.py as issue 11's reference uses them.
//
//   for each episode: roll out a_t ~ softmax(pi(s_t)) until terminated or truncated
//     G_t = sum_k gamma^k r_{t+k}  (discounted_returns),  G <- (G - mean) / (std + eps)
//     L = T reinforce_loss(pi(s_0..T-1), a, G, entropy_coef);  one Adam step
//   stop when the mean length of the last `window` episodes reaches `solved_length`
//
// Defaults and their sources: policy obs-128-A with ReLU, Adam(lr 1e-2), gamma 0.99, eps =
// float32 machine epsilon (pytorch/examples; its dropout 0.6 is left out, as in the issue's
// reference); solved at a mean length >= 475 over 100 episodes (CartPole-v1's reward
// threshold). The reference sums -log pi G over the episode, so the trainer scales
// reinforce_loss (a mean) by the episode length T. That matters even under Adam: T changes from
// episode to episode, and the sum weighs long episodes more than short ones; with the mean, the
// short episodes of a policy leaning to one side pull as hard as long ones, and the policy
// collapsed to one action (entropy -> 0, 9-step episodes, for good) on 5 seeds in 20 instead of
// 1 in 20 with the sum.
//
// The rollout runs the policy without recording (NoGradGuard) on one observation per step; the
// update re-runs it on the episode's T observations in one batch with the tape on. That gives the
// same gradient as recording every step and costs one [T, obs] forward instead of T graphs.
// A seed fixes everything: the policy's init and the action samples draw from Generator(seed)
// (as torch.manual_seed does for both), the environment is reset with `seed` once and then goes
// on with its own stream. Same seed and thread count -> the same bits (tested).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nn/sequential.h"
#include "train/callbacks.h"

namespace minidl::train::rl {

struct ReinforceOptions {
  std::string env = "CartPole-v1";
  std::vector<std::int64_t> hidden = {128};
  double lr = 1e-2;
  double gamma = 0.99;
  double eps = 1.1920928955078125e-07;  // float32 epsilon, torch.finfo(torch.float32).eps
  double entropy_coef = 0.0;
  std::int64_t max_episodes = 3000;
  std::int64_t max_steps = 0;    // > 0: also stop after the episode that reaches this many steps
  std::int64_t window = 100;     // episodes in the solved criterion and in the logged averages
  double solved_length = 475.0;  // <= 0: never stop early
  std::int64_t log_every = 10;   // episodes per log row
  std::uint64_t seed = 0;
  // Greedy (argmax) evaluation before and after training, 0 = none (evaluate_greedy).
  std::int64_t eval_episodes = 0;
  std::uint64_t eval_seed = 1000;
  std::string log_path = "";  // JSON Lines with Spinning Up's keys ("" = none)
  // A progress bar (0 none, 1 on a terminal, 2 plain) and the learning-curve PNG ("" = none).
  int verbose = 0;
  std::string curve_path = "";
  // Checkpoints with exact resume (train/rl/checkpoint.h), written at every log row when set;
  // resume_from continues a saved run (same options); stop_after > 0 stops after that many
  // episodes of this call (a multiple of log_every, so the run stops at a log row).
  std::string checkpoint_path = "";
  std::string resume_from = "";
  std::int64_t stop_after = 0;
  // Called with each log row (Epoch, AverageEpRet, StdEpRet, MaxEpRet, MinEpRet, EpLen,
  // TotalEnvInteracts, LossPi, Entropy, Time); e.g. a progress line.
  std::function<void(const Logs&)> on_log = nullptr;
};

struct ReinforceResult {
  std::vector<double> returns;  // one per episode
  std::vector<std::int64_t> lengths;
  std::int64_t solved_at = -1;  // episodes run when the criterion was met, -1 if never
  std::int64_t total_steps = 0;
  double seconds = 0;
  std::shared_ptr<nn::Sequential> policy;
  std::vector<Logs> log;
  double eval_before = 0, eval_after = 0;  // mean greedy return, if eval_episodes > 0
};

ReinforceResult reinforce(const ReinforceOptions& options);

// Average return of `episodes` episodes of env_id with the deterministic policy (argmax of the
// policy's logits), the environment reset with seed, seed + 1, ...
double evaluate_greedy(const std::string& env_id, nn::Module& policy, std::int64_t episodes,
                       std::uint64_t seed);

// Mean of the last n values of v (all of them if fewer).
double tail_mean(const std::vector<double>& v, std::int64_t n);

}  // namespace minidl::train::rl
