// One entry to every policy-gradient trainer (layer 4, train/rl/): the examples, rl_study and the
// bench pick an algorithm and an environment by name and get the same result back.
//
//   algorithms: "reinforce" (reinforce.h: Discrete only, one update per episode),
//               "reinforce_baseline" and "vpg" (vpg.h), "a2c" (a2c.h), "ppo" (ppo.h)
//   settings per environment: ppo_settings (the RL Zoo's and CleanRL's tuned values); A2C the
//     Zoo's a2c.yml n_envs (8 CartPole, 16 Acrobot) with SB3's defaults, and on Pendulum-v1
//     observation and reward normalisation with gamma 0.9 as for PPO; VPG and REINFORCE with a
//     baseline keep Spinning Up's defaults but also normalise Acrobot's and Pendulum's
//     observations and rewards (Pendulum: gamma 0.9).
//   solved: the mean return of the last 100 finished episodes reaches solved_return(env):
//     CartPole-v1 475 (its reward threshold), Acrobot-v1 -100 (the target, Gym's
//     threshold), Pendulum-v1 -300 (the target; Gym sets none)
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "train/callbacks.h"
#include "train/rl/actor_critic.h"

namespace minidl::train::rl {

struct RunSpec {
  std::string algorithm = "ppo";
  std::string env = "CartPole-v1";
  std::uint64_t seed = 0;
  std::int64_t total_steps = 0;  // 0: the algorithm's budget for the env (default_budget)
  std::int64_t eval_episodes = 10;
  std::string log_path = "";
  int verbose = 0;              // the trainer's progress bar
  std::string curve_path = "";  // the trainer's learning-curve PNG
  std::function<void(const Logs&)> on_log = nullptr;
};

struct RunResult {
  EpisodeHistory episodes;
  std::vector<Logs> log;
  std::int64_t total_steps = 0;
  double seconds = 0;
  double eval_before = 0, eval_after = 0;  // greedy evaluation return
};

RunResult run_algorithm(const RunSpec& spec);

const std::vector<std::string>& algorithm_names();
std::int64_t default_budget(const std::string& algorithm, const std::string& env);
double solved_return(const std::string& env);
// The environment steps taken when the mean return of the last `window` finished episodes first
// reached `threshold` (at least `window` episodes), -1 if never.
std::int64_t steps_to_solve(const EpisodeHistory& history, double threshold,
                            std::int64_t window = 100);

}  // namespace minidl::train::rl
