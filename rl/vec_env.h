// A synchronous vectorised environment (layer 3): N copies stepped in order, as Gymnasium 0.29's
// SyncVectorEnv with RecordEpisodeStatistics.
//
//   reset(seed): copy i is reset with seed + i (Gymnasium's convention), obs [N, D]
//   step(actions): actions [N] (Discrete) or [N, A] (Box); a copy whose episode ends is reset
//     at once (auto-reset): its row of obs is the new episode's first observation and the
//     observation that ended the episode is kept in final_obs[i] (the one to bootstrap from on
//     truncation); its return and length go to `finished`.
// The statistics sum the environment's own rewards: StepResult::unscaled_reward when a reward
// wrapper (NormalizeReward, ClipReward) changed the reward, as Gymnasium's RecordEpisodeStatistics
// innermost (CleanRL) reports them; the rewards in VecStepResult are the wrapped ones.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "rl/env.h"

namespace minidl::rl {

struct EpisodeStats {
  std::int64_t env = 0;  // which copy
  double ret = 0;        // undiscounted return
  std::int64_t length = 0;
};

struct VecStepResult {
  Tensor obs;  // [N, D] float32, after auto-reset
  std::vector<double> rewards;
  std::vector<bool> terminated, truncated;
  std::vector<Tensor> final_obs;  // [D] for copies that ended this step, undefined otherwise
  std::vector<EpisodeStats> finished;
};

class VecEnv {
 public:
  VecEnv(const std::function<std::unique_ptr<Env>()>& make, std::int64_t num_envs);
  Tensor reset(std::optional<std::uint64_t> seed = std::nullopt);
  VecStepResult step(const Tensor& actions);
  std::int64_t num_envs() const { return static_cast<std::int64_t>(envs_.size()); }
  const Space& observation_space() const { return envs_[0]->observation_space(); }
  const Space& action_space() const { return envs_[0]->action_space(); }
  Env& env(std::int64_t i) { return *envs_.at(static_cast<std::size_t>(i)); }
  // Checkpoint state: every copy's (rl/env.h's EnvState) and the running episode statistics.
  EnvState state() const;
  void load_state(const EnvState& state);

 private:
  std::vector<std::unique_ptr<Env>> envs_;
  std::vector<double> returns_;
  std::vector<std::int64_t> lengths_;
  bool ready_ = false;
};

}  // namespace minidl::rl
