// Wrappers (layer 3): an Env around an Env, as Gymnasium's wrappers, with their defaults.
//
//   TimeLimit(max_steps)           truncated = true at the max_steps-th step of an episode
//   NormalizeObservation(eps=1e-8) obs' = (obs - mu) / sqrt(var + eps), running mu, var over
//                                  every observation seen (reset's included), updated first
//   NormalizeReward(gamma=0.99)    r' = r / sqrt(var(G) + eps), G_t = gamma (1 - term) G_{t-1} +
//   r_t
//                                  the running discounted return (not the reward) is what is scaled
//   ClipObservation(b), ClipReward(b), ClipAction   clip to [-b, b] / to the action space's bounds
//
// The running statistics are Gymnasium's RunningMeanStd: mean 0, var 1, count 1e-4 to start,
// merged with each new value by Chan et al.'s parallel update (population variance).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "rl/env.h"

namespace minidl::rl {

class Wrapper : public Env {
 public:
  explicit Wrapper(std::unique_ptr<Env> env);
  using Env::step;
  Tensor reset(std::optional<std::uint64_t> seed = std::nullopt) override {
    return env_->reset(seed);
  }
  StepResult step(const Tensor& action) override { return env_->step(action); }
  const Space& observation_space() const override { return env_->observation_space(); }
  const Space& action_space() const override { return env_->action_space(); }
  std::string name() const override { return env_->name(); }
  void save_state(StateWriter& out) const override { env_->save_state(out); }
  void load_state(StateReader& in) override { env_->load_state(in); }
  Env& inner() { return *env_; }

 protected:
  std::unique_ptr<Env> env_;
};

class TimeLimit : public Wrapper {
 public:
  TimeLimit(std::unique_ptr<Env> env, std::int64_t max_steps);
  using Env::step;
  Tensor reset(std::optional<std::uint64_t> seed = std::nullopt) override;
  StepResult step(const Tensor& action) override;
  void save_state(StateWriter& out) const override;
  void load_state(StateReader& in) override;
  std::int64_t elapsed() const { return elapsed_; }

 private:
  std::int64_t max_steps_, elapsed_ = 0;
};

// Gymnasium's RunningMeanStd, elementwise over a vector.
class RunningMeanStd {
 public:
  explicit RunningMeanStd(std::int64_t size = 1);
  void update(const std::vector<double>& x);  // one sample
  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& var() const { return var_; }
  double count() const { return count_; }
  void save(StateWriter& out) const;
  void load(StateReader& in);

 private:
  std::vector<double> mean_, var_;
  double count_ = 1e-4;
};

class NormalizeObservation : public Wrapper {
 public:
  explicit NormalizeObservation(std::unique_ptr<Env> env, double epsilon = 1e-8);
  using Env::step;
  Tensor reset(std::optional<std::uint64_t> seed = std::nullopt) override;
  StepResult step(const Tensor& action) override;
  const RunningMeanStd& stats() const { return rms_; }
  // Evaluation runs with the training copy's statistics, frozen (Gymnasium 1.0's
  // update_running_mean = False): set_stats copies them in, set_update(false) stops updates.
  void set_stats(const RunningMeanStd& stats) { rms_ = stats; }
  void set_update(bool update) { update_ = update; }
  void save_state(StateWriter& out) const override;
  void load_state(StateReader& in) override;

 private:
  Tensor normalize(const Tensor& obs);
  RunningMeanStd rms_;
  double epsilon_;
  bool update_ = true;
};

// r' = r / sqrt(var(G) + eps); the reward before scaling stays in StepResult::unscaled_reward.
class NormalizeReward : public Wrapper {
 public:
  explicit NormalizeReward(std::unique_ptr<Env> env, double gamma = 0.99, double epsilon = 1e-8);
  using Env::step;
  StepResult step(const Tensor& action) override;
  const RunningMeanStd& stats() const { return rms_; }
  void save_state(StateWriter& out) const override;
  void load_state(StateReader& in) override;

 private:
  RunningMeanStd rms_{1};
  double gamma_, epsilon_, return_ = 0;
};

class ClipObservation : public Wrapper {
 public:
  ClipObservation(std::unique_ptr<Env> env, double bound);
  using Env::step;
  Tensor reset(std::optional<std::uint64_t> seed = std::nullopt) override;
  StepResult step(const Tensor& action) override;

 private:
  double bound_;
};

class ClipReward : public Wrapper {
 public:
  ClipReward(std::unique_ptr<Env> env, double bound);
  using Env::step;
  StepResult step(const Tensor& action) override;

 private:
  double bound_;
};

// Clips a Box action into the action space's bounds before the inner env sees it.
class ClipAction : public Wrapper {
 public:
  explicit ClipAction(std::unique_ptr<Env> env);
  using Env::step;
  StepResult step(const Tensor& action) override;
};

// The outermost wrapper of type W in env's chain (env itself included), or null.
template <class W>
W* find_wrapper(Env& env) {
  for (Env* e = &env;;) {
    if (auto* w = dynamic_cast<W*>(e)) return w;
    auto* inner = dynamic_cast<Wrapper*>(e);
    if (inner == nullptr) return nullptr;
    e = &inner->inner();
  }
}

}  // namespace minidl::rl
