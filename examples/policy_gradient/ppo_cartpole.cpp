// ppo_cartpole: PPO-clip on CartPole-v1 with the RL Zoo's tuned settings (train/rl/ppo.h,
// ppo_settings). The metric: the mean return of 10 greedy evaluation episodes before training ->
// after. Full mode trains the settings' step budget, quick mode 20000 steps.
//
//   ppo_cartpole [--quick] [--steps N] [--out DIR] [--seed S]
#include "examples/common/rl_example.h"

int main(int argc, char** argv) {
  return minidl::examples::run_ppo_example(
      {.name = "ppo_cartpole",
       .env = "CartPole-v1",
       .quick_steps = 20000,
       .what = "PPO-clip on CartPole-v1 with the RL Zoo's tuned settings"},
      argc, argv);
}
