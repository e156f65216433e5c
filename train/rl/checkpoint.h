// Checkpoints of the RL trainers (PPO, A2C, VPG, REINFORCE) with exact resume: one safetensors
// file, written atomically, holding everything the next iteration depends on, so that a run of
// 2 iterations saved and resumed for 1 more ends with the same bits as 3 iterations straight
// (same seed and thread count; train/rl/checkpoint_test.cpp).
//
//   model.<name>          the ActorCritic's state_dict
//   optimizer<k>.<key>    each optimizer's state_dict (moments, step counts, lr)
//   generator             int64 [2]  the trainer Generator's {seed, offset}
//   envs                  int64 [W]  rl::VecEnv::state() (every copy's physics, stream, time step,
//                                    wrapper statistics, running episode returns), or env: the
//                                    single environment's rl::env_state (REINFORCE)
//   obs                   float32 [N, D]  the observations the next rollout starts from (VecEnv)
//   episodes.returns      float64 [E], episodes.lengths / episodes.end_steps int64 [E],
//   episodes.total_steps  int64 [1]
//   iteration             int64 [1]  iterations completed
// metadata: {"format": "minidl-rl-checkpoint", "version": "1", "log": the JSON Lines of the log
// rows so far, "eval_before": the greedy return before training}.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "optim/optimizer.h"
#include "rl/vec_env.h"
#include "train/callbacks.h"
#include "train/rl/actor_critic.h"

namespace minidl::train::rl {

// envs (with obs, the next rollout's start) for the actor-critic trainers; env alone for
// REINFORCE, whose episodes start with a reset (obs is then neither saved nor loaded).
struct RlTrainState {
  nn::Module& model;
  std::vector<optim::Optimizer*> optimizers;
  Generator& gen;
  minidl::rl::VecEnv* envs;
  minidl::rl::Env* env;
  Tensor& obs;
  EpisodeHistory& episodes;
  std::vector<Logs>& log;
  double& eval_before;
};

void save_rl_checkpoint(const std::string& path, const RlTrainState& state,
                        std::int64_t iterations_done);
// Loads every part into `state` (built as the saved run was: same env, sizes and options);
// returns the iterations completed. Throws naming the file on a missing or mismatched part.
std::int64_t load_rl_checkpoint(const std::string& path, const RlTrainState& state);

}  // namespace minidl::train::rl
