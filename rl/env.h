// Environments with Gymnasium's API (layer 3, rl/): reset(seed) -> obs, step(action) -> {obs,
// reward, terminated, truncated}, observation and action spaces.
//
// Why a layer-3 folder rl/ and not train/rl/: an environment, like a dataset, is a source of
// data that needs only tensors (plus autograd for the distributions and returns that sit beside
// it), and examples, benches and the trainers in train/rl/ all use it. As a layer-3 library it
// sits with data/ and metrics/, cannot reach the trainers, and its tests link without the train
// layer. The policy-gradient losses stay in losses/policy_gradient/ (layer 2).
//
// Conventions (Gymnasium 0.29):
//   - observations are float32 tensors of the observation space's shape;
//   - a Discrete action is a one-element tensor holding an integer in [0, n) (any dtype), or
//     the int64_t overload of step(); a Box action is a tensor of the action space's shape;
//   - terminated: the MDP reached a terminal state (no bootstrap); truncated: cut by a time limit
//     (bootstrap from the value of the last observation);
//   - reset(seed) reseeds the environment's Generator; reset() goes on with its stream. A fresh
//     environment behaves as if seeded with 0. The environment's stream is
//     detail::env_generator(seed): the seed goes through a mixing function first, so an agent
//     that seeds its own Generator with the same number (as trainers do: one --seed for all)
//     draws numbers independent of the environment's, as torch.manual_seed(s) and Gymnasium's
//     reset(seed=s) do (a Philox stream under the same key would repeat the same numbers: the
//     policy's initial weights would equal the first start states);
//   - step() after the episode ended, or before the first reset, is an error.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tensor/random.h"
#include "tensor/tensor.h"

namespace minidl::rl {

// Discrete(n): the integers 0..n-1. Box: real vectors within [low, high] elementwise (infinite
// bounds allowed).
struct Space {
  enum class Kind { kDiscrete, kBox };
  Kind kind = Kind::kDiscrete;
  std::int64_t n = 0;  // Discrete only
  Shape shape;         // Box only ({} for Discrete)
  std::vector<double> low, high;

  static Space discrete(std::int64_t n);
  static Space box(std::vector<double> low, std::vector<double> high);
  bool is_discrete() const { return kind == Kind::kDiscrete; }
  // The number of values an observation or continuous action holds (n is not it for Discrete: 1).
  std::int64_t flat_size() const;
  bool contains(const Tensor& x) const;
  std::string repr() const;
};

struct StepResult {
  Tensor obs;  // float32, the observation space's shape
  double reward = 0;
  bool terminated = false;
  bool truncated = false;
  // The environment's own reward when a wrapper (NormalizeReward, ClipReward) changed `reward`:
  // the innermost such wrapper sets it, so it is what episode statistics sum.
  std::optional<double> unscaled_reward = std::nullopt;
  bool done() const { return terminated || truncated; }
};

// The complete state of an environment (its physics, Generator, time step, wrapper statistics)
// as 64-bit words, doubles stored bit for bit, for checkpoints with exact resume: an environment
// that loads another's words behaves exactly as that one from then on (StateWriter/StateReader
// below; each wrapper writes its own words, then its inner environment's).
using EnvState = std::vector<std::uint64_t>;
class StateWriter {
 public:
  void u64(std::uint64_t v) { words.push_back(v); }
  void f64(double v);
  void generator(const Generator& g);
  EnvState words;
};
class StateReader {
 public:
  StateReader(const EnvState& words, std::string who) : words_(words), who_(std::move(who)) {}
  std::uint64_t u64();
  double f64();
  void generator(Generator& g);
  void finish() const;  // throws unless every word was read

 private:
  const EnvState& words_;
  std::size_t pos_ = 0;
  std::string who_;
};

class Env {
 public:
  virtual ~Env() = default;
  virtual Tensor reset(std::optional<std::uint64_t> seed = std::nullopt) = 0;
  virtual StepResult step(const Tensor& action) = 0;
  StepResult step(std::int64_t action);  // Discrete spaces
  virtual const Space& observation_space() const = 0;
  virtual const Space& action_space() const = 0;
  virtual std::string name() const = 0;
  // Checkpoint state (see EnvState); the default throws: this environment cannot be saved.
  virtual void save_state(StateWriter& out) const;
  virtual void load_state(StateReader& in);
};

EnvState env_state(const Env& env);
// Throws naming the environment when the words do not fit it (it may then be partly loaded:
// load into a fresh environment).
void load_env_state(Env& env, const EnvState& state);

// A Gymnasium-style environment by id: "CartPole-v1", "Acrobot-v1", "Pendulum-v1" (each inside
// its registered TimeLimit: 500, 500, 200 steps) or "Bandit-v0" (10 arms). Unknown ids throw,
// listing the known ones.
std::unique_ptr<Env> make_env(const std::string& id);

// Helpers for the environments' own code.
namespace detail {
// The integer action of a Discrete space, checked: one element, integral, in [0, n).
std::int64_t discrete_action(const std::string& env, const Tensor& action, std::int64_t n);
// The values of a Box action, checked against its shape (not its bounds: clipping is the env's).
std::vector<double> box_action(const std::string& env, const Tensor& action, const Space& space);
// A float32 observation from doubles.
Tensor observation(const std::vector<double>& values);
// U[low, high) from the generator.
double uniform(Generator& gen, double low, double high);
// N(0, 1) from the generator (Box-Muller on two uniforms).
double normal(Generator& gen);
// The Generator of an environment reset with `seed`: keyed by splitmix64(seed), not seed itself.
Generator env_generator(std::uint64_t seed);
}  // namespace detail

}  // namespace minidl::rl
