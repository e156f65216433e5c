// ppo_acrobot: PPO-clip on Acrobot-v1 with the RL Zoo's settings (train/rl/ppo.h, ppo_settings).
// The metric: the mean return of 10 greedy evaluation episodes before training -> after. Full mode
// trains the settings' step budget, quick mode 20480 steps.
//
//   ppo_acrobot [--quick] [--steps N] [--out DIR] [--seed S]
#include "examples/common/rl_example.h"

int main(int argc, char** argv) {
  return minidl::examples::run_ppo_example(
      {.name = "ppo_acrobot",
       .env = "Acrobot-v1",
       .quick_steps = 20480,
       .what = "PPO-clip on Acrobot-v1 with the RL Zoo's settings"},
      argc, argv);
}
