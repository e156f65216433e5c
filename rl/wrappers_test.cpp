// The wrappers and the vectorised environment, with statistics worked by hand.
#include "rl/wrappers.h"

#include <doctest/doctest.h>

#include <cmath>

#include "rl/envs.h"
#include "rl/vec_env.h"
#include "tensor/error.h"

namespace minidl::rl {
namespace {

// A scripted environment: obs [t, -t], reward t + 1 at step t (0-based), terminated at step
// `length`.
class Counter : public Env {
 public:
  explicit Counter(int length) : length_(length) {}
  using Env::step;
  Tensor reset(std::optional<std::uint64_t> seed = std::nullopt) override {
    t_ = 0;
    seeds.push_back(seed ? static_cast<std::int64_t>(*seed) : -1);
    return detail::observation({0.0, 0.0});
  }
  StepResult step(const Tensor& action) override {
    last_action = action.to_vector();
    ++t_;
    StepResult r;
    r.obs = detail::observation({double(t_), -double(t_)});
    r.reward = t_;
    r.terminated = t_ == length_;
    return r;
  }
  const Space& observation_space() const override { return obs_; }
  const Space& action_space() const override { return act_; }
  std::string name() const override { return "Counter"; }
  std::vector<std::int64_t> seeds;
  std::vector<double> last_action;

 private:
  int length_, t_ = 0;
  Space obs_ = Space::box({-100, -100}, {100, 100});
  Space act_ = Space::box({-1}, {1});
};

}  // namespace

TEST_CASE("wrappers: running mean and variance as Gymnasium's RunningMeanStd") {
  // count 1e-4, mean 0, var 1; add x = 2: tot = 1.0001, mean = 2 / 1.0001,
  // var = (1e-4 + 4 * 1e-4 / 1.0001) / 1.0001.
  RunningMeanStd rms(1);
  rms.update({2.0});
  CHECK(rms.mean()[0] == doctest::Approx(2 / 1.0001).epsilon(1e-14));
  CHECK(rms.var()[0] == doctest::Approx((1e-4 + 4e-4 / 1.0001) / 1.0001).epsilon(1e-14));
  // Many samples: the statistics approach the population mean and variance of {1, 3}.
  for (int i = 0; i < 1000; ++i) rms.update({i % 2 ? 3.0 : 1.0});
  CHECK(rms.mean()[0] == doctest::Approx(2.0).epsilon(2e-3));
  CHECK(rms.var()[0] == doctest::Approx(1.0).epsilon(2e-3));
}

TEST_CASE("wrappers: normalised observations, scaled and clipped rewards, clipped actions") {
  NormalizeObservation norm(std::make_unique<Counter>(10));
  // reset's obs [0, 0] is the first sample: mean = 0, var = (1e-4) / 1.0001 -> obs' = 0.
  Tensor o = norm.reset();
  CHECK(o.at(0) == 0.0f);
  // step 1: obs [1, -1]; mean = 1 / 2.0001, var = (v1 c1 + d^2 c1 / tot) / tot, c1 = 1.0001.
  StepResult r = norm.step(from_vector(std::vector<float>{0.0f}));
  const double c1 = 1.0001, v1 = 1e-4 / c1, tot = 2.0001, mean = 1 / tot;
  const double var = (v1 * c1 + 1.0 * c1 / tot) / tot;
  CHECK(r.obs.at(0) == doctest::Approx((1 - mean) / std::sqrt(var + 1e-8)).epsilon(1e-6));
  CHECK(r.obs.at(1) == doctest::Approx(-(1 - mean) / std::sqrt(var + 1e-8)).epsilon(1e-6));

  // NormalizeReward: G_1 = 1 -> var of {1} after the prior = (1e-4 + 1e-4 / 1.0001) / 1.0001.
  NormalizeReward scaled(std::make_unique<Counter>(10), 0.5);
  scaled.reset();
  r = scaled.step(from_vector(std::vector<float>{0.0f}));
  const double v = (1e-4 + 1e-4 / 1.0001) / 1.0001;
  CHECK(r.reward == doctest::Approx(1 / std::sqrt(v + 1e-8)).epsilon(1e-12));
  // G_2 = 0.5 * 1 + 2 = 2.5 is what the statistics see next.
  scaled.step(from_vector(std::vector<float>{0.0f}));
  CHECK(scaled.stats().mean()[0] == doctest::Approx((1.0 / 1.0001 * 1.0001 + 2.5) / 2.0001));

  ClipReward clipped(std::make_unique<Counter>(10), 1.5);
  clipped.reset();
  CHECK(clipped.step(from_vector(std::vector<float>{0.0f})).reward == 1.0);
  CHECK(clipped.step(from_vector(std::vector<float>{0.0f})).reward == 1.5);

  ClipObservation clip_obs(std::make_unique<Counter>(10), 1.5);
  clip_obs.reset();
  clip_obs.step(from_vector(std::vector<float>{0.0f}));
  r = clip_obs.step(from_vector(std::vector<float>{0.0f}));
  CHECK(r.obs.at(0) == 1.5f);
  CHECK(r.obs.at(1) == -1.5f);

  auto counter = std::make_unique<Counter>(10);
  Counter* raw = counter.get();
  ClipAction clip_act(std::move(counter));
  clip_act.reset();
  clip_act.step(from_vector(std::vector<float>{3.0f}));
  CHECK(raw->last_action == std::vector<double>{1.0});
  CHECK_THROWS_WITH_AS(ClipAction(std::make_unique<CartPole>()),
                       doctest::Contains("needs a Box action space"), Error);
  CHECK_THROWS_WITH_AS(TimeLimit(std::make_unique<CartPole>(), 0),
                       doctest::Contains("max_steps must be positive"), Error);
}

TEST_CASE("vec env: seeds per copy, auto-reset with the final observation, episode statistics") {
  std::vector<Counter*> raw;
  VecEnv vec(
      [&, k = 0]() mutable -> std::unique_ptr<Env> {
        auto c = std::make_unique<Counter>(2 + k++);  // episodes of 2 and 3 steps
        raw.push_back(c.get());
        return c;
      },
      2);
  Tensor obs = vec.reset(10);
  CHECK(obs.shape() == Shape{2, 2});
  CHECK(raw[0]->seeds == std::vector<std::int64_t>{10});
  CHECK(raw[1]->seeds == std::vector<std::int64_t>{11});
  const Tensor act = from_vector(std::vector<float>{0, 0}, {2, 1});
  VecStepResult r = vec.step(act);
  CHECK(r.finished.empty());
  CHECK(r.obs.at(0) == 1.0f);
  r = vec.step(act);  // copy 0 ends (2 steps, return 1 + 2 = 3) and is reset
  REQUIRE(r.finished.size() == 1);
  CHECK(r.finished[0].env == 0);
  CHECK(r.finished[0].ret == 3.0);
  CHECK(r.finished[0].length == 2);
  CHECK(r.terminated[0]);
  CHECK(!r.terminated[1]);
  CHECK(r.obs.at(0) == 0.0f);           // copy 0's new first observation
  CHECK(r.final_obs[0].at(0) == 2.0f);  // and the one that ended its episode
  CHECK(!r.final_obs[1].defined());
  CHECK(raw[0]->seeds == std::vector<std::int64_t>{10, -1});  // auto-reset goes on the stream
  r = vec.step(act);  // copy 1 ends: 1 + 2 + 3 = 6 over 3 steps
  REQUIRE(r.finished.size() == 1);
  CHECK(r.finished[0].env == 1);
  CHECK(r.finished[0].ret == 6.0);
  CHECK(r.finished[0].length == 3);
  CHECK_THROWS_WITH_AS(vec.step(from_vector(std::vector<float>{0, 0, 0}, {3, 1})),
                       doctest::Contains("VecEnv: actions must be [2, A]"), Error);
}

TEST_CASE("wrappers: the unscaled reward survives, frozen statistics, find_wrapper") {
  // ClipReward(NormalizeReward(Counter)): the innermost scaling wrapper keeps the raw reward.
  auto inner = std::make_unique<NormalizeReward>(std::make_unique<Counter>(10), 0.5);
  ClipReward outer(std::move(inner), 0.1);
  outer.reset();
  StepResult r = outer.step(from_vector(std::vector<float>{0.0f}));
  CHECK(r.reward == 0.1);
  REQUIRE(r.unscaled_reward.has_value());
  CHECK(*r.unscaled_reward == 1.0);
  CHECK(find_wrapper<NormalizeReward>(outer) != nullptr);
  CHECK(find_wrapper<ClipReward>(outer) == &outer);
  CHECK(find_wrapper<NormalizeObservation>(outer) == nullptr);
  // A VecEnv's episode returns sum the raw rewards: 1 + 2 over the 2-step episode.
  VecEnv vec([] { return std::make_unique<ClipReward>(std::make_unique<Counter>(2), 0.5); }, 1);
  vec.reset(0);
  vec.step(from_vector(std::vector<float>{0.0f}, {1, 1}));
  VecStepResult v = vec.step(from_vector(std::vector<float>{0.0f}, {1, 1}));
  CHECK(v.rewards[0] == 0.5);
  REQUIRE(v.finished.size() == 1);
  CHECK(v.finished[0].ret == 3.0);
  // Frozen statistics: copied in, then unchanged by further observations.
  NormalizeObservation train_norm(std::make_unique<Counter>(10));
  train_norm.reset();
  train_norm.step(from_vector(std::vector<float>{0.0f}));
  NormalizeObservation eval_norm(std::make_unique<Counter>(10));
  eval_norm.set_stats(train_norm.stats());
  eval_norm.set_update(false);
  eval_norm.reset();
  r = eval_norm.step(from_vector(std::vector<float>{0.0f}));
  CHECK(eval_norm.stats().count() == train_norm.stats().count());
  const double m = train_norm.stats().mean()[0], s2 = train_norm.stats().var()[0];
  CHECK(r.obs.at(0) == doctest::Approx((1 - m) / std::sqrt(s2 + 1e-8)).epsilon(1e-6));
}

TEST_CASE("env state: a copy loaded mid-run continues exactly; wrong words are refused") {
  auto wrapped = [] {
    std::unique_ptr<Env> e = make_env("Pendulum-v1");
    e = std::make_unique<NormalizeObservation>(std::move(e));
    return std::make_unique<NormalizeReward>(std::move(e), 0.9);
  };
  for (const char* id : {"CartPole-v1", "Acrobot-v1", "Pendulum-v1", "Bandit-v0", "wrapped"}) {
    CAPTURE(id);
    const bool w = std::string(id) == "wrapped";
    std::unique_ptr<Env> a = w ? wrapped() : make_env(id), b = w ? wrapped() : make_env(id);
    const bool discrete = a->action_space().is_discrete();
    auto act = [&](int t) {
      return discrete ? from_vector(std::vector<std::int64_t>{t % 2}).reshape({})
                      : from_vector(std::vector<float>{0.5f * static_cast<float>(t % 3) - 0.5f});
    };
    a->reset(3);
    for (int t = 0; t < 5; ++t)
      if (a->step(act(t)).done()) a->reset();
    load_env_state(*b, env_state(*a));
    CHECK(env_state(*b) == env_state(*a));
    for (int t = 0; t < 40; ++t) {
      const StepResult ra = a->step(act(t)), rb = b->step(act(t));
      CHECK(ra.reward == rb.reward);
      CHECK(ra.obs.to_vector() == rb.obs.to_vector());
      CHECK(ra.done() == rb.done());
      if (ra.done()) CHECK(a->reset().to_vector() == b->reset().to_vector());
    }
  }
  VecEnv v1([] { return make_env("CartPole-v1"); }, 2),
      v2([] { return make_env("CartPole-v1"); }, 2);
  v1.reset(1);
  v1.step(from_vector(std::vector<std::int64_t>{0, 1}));
  v2.load_state(v1.state());
  CHECK(v2.state() == v1.state());
  VecEnv v3([] { return make_env("CartPole-v1"); }, 3);
  CHECK_THROWS_WITH_AS(v3.load_state(v1.state()), doctest::Contains("another number of copies"),
                       Error);
  auto cart = make_env("CartPole-v1");
  CHECK_THROWS_WITH_AS(load_env_state(*cart, {1, 2}), doctest::Contains("the saved state ends"),
                       Error);
  Counter counter(3);
  CHECK_THROWS_WITH_AS(env_state(counter), doctest::Contains("Counter: this environment cannot"),
                       Error);
}

TEST_CASE("vec env: CartPole copies match single environments stepped by hand") {
  VecEnv vec([] { return make_env("CartPole-v1"); }, 3);
  std::vector<std::unique_ptr<Env>> single;
  for (int i = 0; i < 3; ++i) single.push_back(make_env("CartPole-v1"));
  Tensor obs = vec.reset(5);
  for (int i = 0; i < 3; ++i) {
    Tensor o = single[i]->reset(5 + i);
    for (int j = 0; j < 4; ++j) CHECK(obs.at(i * 4 + j) == o.at(j));
  }
  for (int t = 0; t < 30; ++t) {
    const std::vector<std::int64_t> a = {t % 2, 1, 0};
    VecStepResult r = vec.step(from_vector(a));
    for (int i = 0; i < 3; ++i) {
      StepResult s = single[i]->step(a[i]);
      CHECK(r.rewards[i] == s.reward);
      CHECK(r.terminated[i] == s.terminated);
      if (s.done()) {
        CHECK(r.final_obs[i].at(0) == s.obs.at(0));
        s.obs = single[i]->reset();
      }
      for (int j = 0; j < 4; ++j) CHECK(r.obs.at(i * 4 + j) == s.obs.at(j));
    }
  }
}

}  // namespace minidl::rl
