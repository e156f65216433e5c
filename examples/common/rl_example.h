// What the policy-gradient trainer examples share (reinforce_cartpole, a2c_cartpole,
// ppo_cartpole, ppo_acrobot, ppo_pendulum): flags, the trainer's progress bar on a terminal (a
// line per tenth of the run otherwise), the learning curve <out>/curve.png, the report of the
// greedy evaluation return before -> after (10 episodes).
//
//   <name> [--quick] [--steps N] [--out DIR] [--seed S]
// Writes <out>/log.jsonl (Spinning Up's keys, one row per iteration).
#pragma once

#include <cstdint>
#include <string>

namespace minidl::examples {

struct PpoExample {
  std::string name;          // program name
  std::string env;           // e.g. "CartPole-v1"; train::rl::ppo_settings(env) gives the settings
  std::int64_t quick_steps;  // environment steps in quick mode
  std::string what;          // one line for --help
};

// PPO with train::rl::ppo_settings(env), its main knobs as flags (--lr, --gamma, ...).
int run_ppo_example(const PpoExample& example, int argc, char** argv);

struct RlExample {
  std::string name;
  std::string algorithm;  // train::rl::run_algorithm's names: "reinforce", "a2c", ...
  std::string env;
  std::int64_t quick_steps;
  std::string what;
};
// Any algorithm through train::rl::run_algorithm with its budget for the env (--steps changes it).
int run_rl_example(const RlExample& example, int argc, char** argv);

}  // namespace minidl::examples
