// a2c_cartpole: synchronous A2C on CartPole-v1 with Stable-Baselines3's defaults and the RL Zoo's
// 8 environments (train/rl/a2c.h). The metric: the mean return of 10 greedy evaluation episodes
// before training -> after. Full mode trains the Zoo's 500k steps, quick mode 20k.
//
//   a2c_cartpole [--quick] [--steps N] [--out DIR] [--seed S]
#include "examples/common/rl_example.h"

int main(int argc, char** argv) {
  return minidl::examples::run_rl_example({.name = "a2c_cartpole",
                                           .algorithm = "a2c",
                                           .env = "CartPole-v1",
                                           .quick_steps = 20000,
                                           .what = "A2C on CartPole-v1"},
                                          argc, argv);
}
