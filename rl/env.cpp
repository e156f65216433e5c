// Spaces, the checked action helpers, and make_env (the Gymnasium ids and their time limits).
#include "rl/env.h"

#include <bit>
#include <cmath>
#include <limits>
#include <numbers>
#include <sstream>

#include "rl/envs.h"
#include "rl/wrappers.h"
#include "tensor/error.h"

namespace minidl::rl {

void StateWriter::f64(double v) { words.push_back(std::bit_cast<std::uint64_t>(v)); }

void StateWriter::generator(const Generator& g) {
  words.push_back(g.seed());
  words.push_back(g.offset());
}

std::uint64_t StateReader::u64() {
  MINIDL_CHECK(pos_ < words_.size(), who_, ": the saved state ends after ", words_.size(),
               " words");
  return words_[pos_++];
}

double StateReader::f64() { return std::bit_cast<double>(u64()); }

void StateReader::generator(Generator& g) {
  const std::uint64_t seed = u64();
  g.set_state(seed, u64());
}

void StateReader::finish() const {
  MINIDL_CHECK(pos_ == words_.size(), who_, ": the saved state has ", words_.size(),
               " words, the environment reads ", pos_);
}

void Env::save_state(StateWriter&) const {
  MINIDL_FAIL(name(), ": this environment cannot be saved in a checkpoint");
}

void Env::load_state(StateReader&) {
  MINIDL_FAIL(name(), ": this environment cannot be loaded from a checkpoint");
}

EnvState env_state(const Env& env) {
  StateWriter w;
  env.save_state(w);
  return w.words;
}

void load_env_state(Env& env, const EnvState& state) {
  StateReader r(state, env.name());
  env.load_state(r);
  r.finish();
}

Space Space::discrete(std::int64_t n) {
  MINIDL_CHECK(n > 0, "Space::discrete: n must be positive, got ", n);
  Space s;
  s.kind = Kind::kDiscrete;
  s.n = n;
  return s;
}

Space Space::box(std::vector<double> low, std::vector<double> high) {
  MINIDL_CHECK(!low.empty() && low.size() == high.size(), "Space::box: low has ", low.size(),
               " values and high ", high.size(), " (need equal, non-zero)");
  for (std::size_t i = 0; i < low.size(); ++i)
    MINIDL_CHECK(low[i] <= high[i], "Space::box: low[", i, "] = ", low[i], " > high[", i,
                 "] = ", high[i]);
  Space s;
  s.kind = Kind::kBox;
  s.shape = {static_cast<std::int64_t>(low.size())};
  s.low = std::move(low);
  s.high = std::move(high);
  return s;
}

std::int64_t Space::flat_size() const {
  return is_discrete() ? 1 : static_cast<std::int64_t>(low.size());
}

bool Space::contains(const Tensor& x) const {
  if (is_discrete()) {
    if (x.numel() != 1) return false;
    const double v = x.at(0);
    return std::floor(v) == v && v >= 0 && v < static_cast<double>(n);
  }
  if (x.shape() != shape) return false;
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const double v = x.at(i);
    if (!(v >= low[i] && v <= high[i])) return false;
  }
  return true;
}

std::string Space::repr() const {
  std::ostringstream out;
  if (is_discrete()) {
    out << "Discrete(" << n << ")";
  } else {
    out << "Box([";
    for (std::size_t i = 0; i < low.size(); ++i) out << (i ? ", " : "") << low[i];
    out << "], [";
    for (std::size_t i = 0; i < high.size(); ++i) out << (i ? ", " : "") << high[i];
    out << "])";
  }
  return out.str();
}

StepResult Env::step(std::int64_t action) { return step(scalar_tensor(action, kInt64)); }

std::unique_ptr<Env> make_env(const std::string& id) {
  // The time limits are Gymnasium's registered max_episode_steps.
  if (id == "CartPole-v1") return std::make_unique<TimeLimit>(std::make_unique<CartPole>(), 500);
  if (id == "Acrobot-v1") return std::make_unique<TimeLimit>(std::make_unique<Acrobot>(), 500);
  if (id == "Pendulum-v1") return std::make_unique<TimeLimit>(std::make_unique<Pendulum>(), 200);
  if (id == "Bandit-v0") return std::make_unique<GaussianBandit>();
  MINIDL_FAIL("make_env: unknown environment '", id,
              "' (known: CartPole-v1, Acrobot-v1, Pendulum-v1, Bandit-v0)");
}

namespace detail {

std::int64_t discrete_action(const std::string& env, const Tensor& action, std::int64_t n) {
  MINIDL_CHECK(action.defined() && action.numel() == 1, env,
               ": a Discrete action is one integer, got a tensor of ",
               action.defined() ? action.numel() : 0, " elements");
  const double v = action.at(0);
  MINIDL_CHECK(std::floor(v) == v && v >= 0 && v < static_cast<double>(n), env, ": action ", v,
               " is not in Discrete(", n, ")");
  return static_cast<std::int64_t>(v);
}

std::vector<double> box_action(const std::string& env, const Tensor& action, const Space& space) {
  MINIDL_CHECK(action.defined() && action.numel() == space.flat_size(), env, ": the action has ",
               action.defined() ? action.numel() : 0, " elements, the action space ", space.repr(),
               " needs ", space.flat_size());
  std::vector<double> out = action.to_vector();
  for (double v : out) MINIDL_CHECK(std::isfinite(v), env, ": the action holds ", v);
  return out;
}

Tensor observation(const std::vector<double>& values) {
  Tensor t({static_cast<std::int64_t>(values.size())}, kFloat32);
  float* p = t.data<float>();
  for (std::size_t i = 0; i < values.size(); ++i) p[i] = static_cast<float>(values[i]);
  return t;
}

double uniform(Generator& gen, double low, double high) {
  return low + (high - low) * gen.uniform();
}

double normal(Generator& gen) {
  const double u1 = 1.0 - gen.uniform();  // (0, 1]: the log is finite
  const double u2 = gen.uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

Generator env_generator(std::uint64_t seed) {
  // splitmix64's finaliser (Steele, Lea & Flood 2014): a bijection, so distinct seeds stay
  // distinct, and no seed maps to itself in practice.
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return Generator(z ^ (z >> 31));
}

}  // namespace detail
}  // namespace minidl::rl
