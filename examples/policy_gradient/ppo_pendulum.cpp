// ppo_pendulum: PPO-clip with a Gaussian policy on Pendulum-v1 (train/rl/ppo.h, ppo_settings). The
// metric: the mean return of 10 greedy evaluation episodes before training -> after. Full mode
// trains the settings' step budget, quick mode 40960 steps.
//
//   ppo_pendulum [--quick] [--steps N] [--out DIR] [--seed S]
#include "examples/common/rl_example.h"

int main(int argc, char** argv) {
  return minidl::examples::run_ppo_example(
      {.name = "ppo_pendulum",
       .env = "Pendulum-v1",
       .quick_steps = 40960,
       .what = "PPO-clip with a Gaussian policy on Pendulum-v1"},
      argc, argv);
}
