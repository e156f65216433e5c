// reinforce_cartpole: REINFORCE on CartPole-v1 in issue 11's reference setting (train/rl/
// reinforce.h: policy 4-128-2 ReLU, Adam(1e-2), gamma 0.99, normalised returns, one update per
// episode), stopped when solved (mean length of the last 100 episodes >= 475) or after --steps
// environment steps (200k). The metric: the mean return of 10 greedy evaluation episodes before
// training -> after. Quick mode: 10k steps.
//
//   reinforce_cartpole [--quick] [--steps N] [--out DIR] [--seed S]
#include "examples/common/rl_example.h"

int main(int argc, char** argv) {
  return minidl::examples::run_rl_example({.name = "reinforce_cartpole",
                                           .algorithm = "reinforce",
                                           .env = "CartPole-v1",
                                           .quick_steps = 10000,
                                           .what = "REINFORCE on CartPole-v1"},
                                          argc, argv);
}
