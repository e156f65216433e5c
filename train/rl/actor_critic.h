// What the actor-critic trainers share (layer 4, train/rl/): the policy and value networks, the
// environments with their wrappers, one rollout of a vectorised env, the episode statistics of
// the logs, and the deterministic evaluation. PPO, VPG and A2C (ppo.h, vpg.h, a2c.h) are built
// from these pieces. Shapes: N environments, T steps per rollout, D observation size, A actions
// (Discrete) or action dimensions (Box).
//
// ActorCritic (an nn::Module, so parameters, state_dict and checkpoints come for free):
//   actor:  obs-h1-...-hk-out MLP (tanh by default), out = A logits (Categorical) or A means
//           (DiagGaussian with a state-independent log_std [A] parameter, init log_std_init)
//   critic: obs-h1-...-hk-1 MLP, a separate network (CleanRL's ppo.py, Spinning Up)
//   init:   kOrthogonal = CleanRL's layer_init: orthogonal_ weights with gain sqrt 2 in the
//           hidden layers, 0.01 on the policy head and 1 on the value head, zero biases
//           (Engstrom et al. 2020 and Huang et al. 2022 "37 details", detail 2); kDefault =
//           PyTorch's Linear init.
// Wrappers, in CleanRL's order around each copy (ppo_continuous_action.py's make_env):
//   ClipAction (Box, always) -> NormalizeObservation -> ClipObservation(clip_obs)
//   -> NormalizeReward(gamma) -> ClipReward(clip_reward)
// The logged episode returns are the environment's own rewards (rl::VecEnv sums the rewards
// before NormalizeReward scaled them), as RecordEpisodeStatistics innermost does in CleanRL.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nn/sequential.h"
#include "rl/env.h"
#include "rl/returns.h"
#include "rl/vec_env.h"
#include "train/callbacks.h"
#include "train/progress.h"

namespace minidl::train::rl {

enum class Init { kOrthogonal, kDefault };
enum class Activation { kTanh, kRelu };

struct NetOptions {
  std::vector<std::int64_t> hidden = {64, 64};
  Activation activation = Activation::kTanh;
  Init init = Init::kOrthogonal;
  double log_std_init = 0.0;  // Box actions: CleanRL's actor_logstd starts at zeros
};

class ActorCritic : public nn::Module {
 public:
  ActorCritic(const minidl::rl::Space& observation, const minidl::rl::Space& action,
              const NetOptions& options, Generator& gen);
  bool discrete() const { return discrete_; }
  nn::Sequential& actor() { return *actor_; }
  nn::Sequential& critic() { return *critic_; }
  std::vector<Variable> actor_parameters() const;  // the actor's and log_std
  std::vector<Variable> critic_parameters() const;

  struct Act {
    Tensor actions;                 // int64 [N] or float32 [N, A]
    std::vector<double> log_probs;  // [N]
  };
  // Samples actions for obs [N, D] without recording.
  Act act(const Tensor& obs, Generator& gen);
  // The deterministic policy: argmax of the logits, or the Gaussian's mean.
  Tensor greedy(const Tensor& obs);
  // V(obs) without recording, float64 [N].
  Tensor values(const Tensor& obs);
  // Recorded, float64 [N] each: log pi(a | s), the entropy and V(s).
  struct Eval {
    Variable log_prob, entropy, value;
  };
  Eval evaluate(const Tensor& obs, const Tensor& actions);
  // V(obs) recorded, float64 [N] (the critic alone).
  Variable evaluate_value(const Tensor& obs);

 private:
  bool discrete_;
  std::int64_t obs_dim_, act_dim_;
  std::shared_ptr<nn::Sequential> actor_, critic_;
  Variable* log_std_ = nullptr;
};

struct EnvOptions {
  std::string env = "CartPole-v1";
  bool normalize_obs = false;
  bool normalize_reward = false;
  double reward_gamma = 0.99;  // NormalizeReward's discount (the trainer's gamma)
  double clip_obs = 10.0;      // after NormalizeObservation only
  double clip_reward = 10.0;   // after NormalizeReward only
};
std::unique_ptr<minidl::rl::Env> make_training_env(const EnvOptions& options);

// One rollout of T steps of the N copies, time-major (row t * N + j is step t of copy j).
struct Rollout {
  std::int64_t T = 0, N = 0;
  Tensor obs, actions;  // [T N, D] float32; [T N] int64 or [T N, A] float32
  std::vector<double> log_probs, values, rewards, terminated, truncated, next_values;
  Tensor last_value;  // [N] float64, V of the observation after the last step
};

// The episodes finished so far and the step count when each ended.
struct EpisodeHistory {
  std::vector<double> returns;
  std::vector<std::int64_t> lengths, end_steps;
  std::int64_t total_steps = 0;
};

// Steps envs T times from obs (updated in place), sampling from the policy.
Rollout collect_rollout(minidl::rl::VecEnv& envs, ActorCritic& model, Tensor& obs, std::int64_t T,
                        Generator& gen, EpisodeHistory& history);
// GAE(lambda) over the rollout (rl::gae; lambda = 1 gives reward-to-go minus V).
minidl::rl::GaeResult rollout_advantages(const Rollout& r, double gamma, double lambda);

// Spinning Up's episode keys over the last `window` finished episodes: AverageEpRet, StdEpRet,
// EpLen (NaN before any episode ended), and TotalEnvInteracts.
void add_episode_stats(Logs& row, const EpisodeHistory& history, std::int64_t window);
// 1 - var(returns - values) / var(returns) (CleanRL's explained variance), NaN if var = 0.
double explained_variance(const Tensor& returns, const std::vector<double>& values);

// The log rows of the actor-critic trainers: sums of the per-update figures, turned into one row
// of means (LossPi, LossV, Entropy, KL, ExplainedVar; NaN figures are left out of their mean)
// plus the episode statistics, EvalRet NaN until an evaluation fills it.
class LossSums {
 public:
  void add(double loss_pi, double loss_v, double entropy, double kl, double explained_var);
  Logs row(std::int64_t epoch, const EpisodeHistory& history, std::int64_t window);

 private:
  std::vector<double> sums_ = std::vector<double>(5, 0.0);
  std::vector<std::int64_t> counts_ = std::vector<std::int64_t>(5, 0);
};

// Wall time of a training run since start() (the evaluations during training included).
class TrainerClock {
 public:
  void start();
  double seconds() const;

 private:
  std::chrono::steady_clock::time_point start_{};
};

// Adds Time, appends the row to log, rewrites log_path (JSON Lines, atomically) and calls on_log.
void emit_row(Logs row, const TrainerClock& clock, std::vector<Logs>& log,
              const std::string& log_path, const std::function<void(const Logs&)>& on_log);

// The progress bar of an RL trainer (train::Progress, as train::fit shows it): one bar over the
// run's iterations with their rate, the ETA and the latest AverageEpRet; verbose 0 prints
// nothing, 2 (or not a terminal) only the final line.
class RlProgress {
 public:
  RlProgress(int verbose, std::int64_t iterations);
  void update(std::int64_t iteration, const Logs& row);
  void finish(const std::string& line);

 private:
  Progress progress_;
};

// The end of a run: the learning curve PNG (if curve_path is set) and the progress's last line
// "<algorithm> on <env>: N episodes, S steps in T s, greedy evaluation R".
void finish_run(const std::string& algorithm, const std::string& env, const EpisodeHistory& h,
                double seconds, double eval, bool evaluated, const std::string& curve_path,
                RlProgress& progress);

// The learning curve as a PNG (train/band_plot.h): every finished episode's return as a dot at
// the step it ended, the mean return of the last `window` episodes as a line with a +- 1 std
// band. Nothing is written with fewer than 2 finished episodes.
void write_learning_curve(const EpisodeHistory& history, const std::string& png_path,
                          const std::string& title, std::int64_t window = 100);

// Mean return of `episodes` episodes with the deterministic policy, reset with seed, seed + 1,
// ... The environment has the training env's observation wrappers; NormalizeObservation takes
// the running statistics of training copy 0 of `envs` (frozen: evaluation does not move them).
// Rewards are not normalised: the return is the environment's own.
double evaluate_policy(const EnvOptions& env, minidl::rl::VecEnv* envs, ActorCritic& model,
                       std::int64_t episodes, std::uint64_t seed);

}  // namespace minidl::train::rl
