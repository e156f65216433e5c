// The environments against their published equations, worked by hand in the comments.
#include "rl/envs.h"

#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

#include "rl/wrappers.h"
#include "tensor/error.h"

namespace minidl::rl {
namespace {

constexpr double kPi = std::numbers::pi;

}  // namespace

TEST_CASE("cartpole: one Euler step from rest matches the equations") {
  // From rest, action 1 (F = +10): sin 0 = 0, cos 0 = 1, M = 1.1, m_p l = 0.05
  //   temp   = 10 / 1.1 = 100/11
  //   th_acc = (0 - 100/11) / (0.5 (4/3 - 0.1/1.1)) = -(100/11) / (41/66) = -600/41
  //   x_acc  = 100/11 - 0.05 (-600/41) / 1.1 = 100/11 + 300/451 = 400/41
  //   Euler: x = 0, x_dot = 0.02 * 400/41 = 8/41, theta = 0, theta_dot = -0.02 * 600/41 = -12/41
  CartPole env;
  env.set_state({0, 0, 0, 0});
  StepResult r = env.step(std::int64_t{1});
  CHECK(env.state()[0] == 0.0);
  CHECK(env.state()[1] == doctest::Approx(8.0 / 41).epsilon(1e-14));
  CHECK(env.state()[2] == 0.0);
  CHECK(env.state()[3] == doctest::Approx(-12.0 / 41).epsilon(1e-14));
  CHECK(r.reward == 1.0);
  CHECK(!r.terminated);
  CHECK(!r.truncated);
  REQUIRE(r.obs.shape() == Shape{4});
  CHECK(r.obs.dtype() == kFloat32);
  CHECK(r.obs.at(1) == static_cast<float>(env.state()[1]));
}

TEST_CASE("cartpole: positions move with the old velocities, and the bounds terminate") {
  // State (0.01, -0.02, 0.03, 0.04), action 0 (F = -10):
  //   temp = (-10 + 0.05 * 0.04^2 * sin 0.03) / 1.1 = -9.0909069094...
  //   th_acc = (9.8 sin 0.03 - cos 0.03 temp) / (0.5 (4/3 - 0.1 cos^2 0.03 / 1.1)) = 15.0997611888
  //   x_acc = temp - 0.05 th_acc cos 0.03 / 1.1 = -9.7769508551
  //   x = 0.01 + 0.02 (-0.02) = 0.0096, theta = 0.03 + 0.02 * 0.04 = 0.0308,
  //   x_dot = -0.02 + 0.02 x_acc = -0.2155390171, theta_dot = 0.04 + 0.02 th_acc = 0.3419952238
  CartPole env;
  env.set_state({0.01, -0.02, 0.03, 0.04});
  env.step(std::int64_t{0});
  CHECK(env.state()[0] == doctest::Approx(0.0096).epsilon(1e-13));
  CHECK(env.state()[1] == doctest::Approx(-0.21553901710278936).epsilon(1e-12));
  CHECK(env.state()[2] == doctest::Approx(0.0308).epsilon(1e-13));
  CHECK(env.state()[3] == doctest::Approx(0.3419952237760392).epsilon(1e-12));
  // x = 2.39 with x_dot = 1 crosses 2.4 after one step (x = 2.41): terminated, reward still 1.
  env.set_state({2.39, 1.0, 0.0, 0.0});
  StepResult r = env.step(std::int64_t{1});
  CHECK(r.terminated);
  CHECK(r.reward == 1.0);
  CHECK_THROWS_WITH_AS(env.step(std::int64_t{1}), doctest::Contains("after the episode ended"),
                       Error);
  // theta past 12 degrees = 0.20944 rad terminates too.
  env.set_state({0, 0, 0.2094, 0.1});
  CHECK(env.step(std::int64_t{1}).terminated);
}

TEST_CASE("cartpole: reset draws U(-0.05, 0.05) from the seed; actions are checked") {
  CartPole a, b;
  const Tensor oa = a.reset(7), ob = b.reset(7);
  for (std::int64_t i = 0; i < 4; ++i) {
    CHECK(oa.at(i) == ob.at(i));
    CHECK(std::abs(oa.at(i)) <= 0.05);
  }
  CHECK(a.reset(8).at(0) != oa.at(0));
  // The environment's stream is not Generator(seed)'s: an agent seeded with the same number
  // does not see the start state again in its own draws.
  Generator agent(7);
  CHECK(oa.at(0) != static_cast<float>(detail::uniform(agent, -0.05, 0.05)));
  Generator env_stream = detail::env_generator(7);
  CHECK(oa.at(0) == static_cast<float>(detail::uniform(env_stream, -0.05, 0.05)));
  CHECK(a.observation_space().repr().rfind("Box(", 0) == 0);
  CHECK(a.observation_space().contains(oa));
  CHECK(!a.observation_space().contains(from_vector(std::vector<float>{0, 0, 1, 0})));  // > 24 deg
  CHECK(a.action_space().contains(scalar_tensor(1, kInt64)));
  CHECK(!a.action_space().contains(scalar_tensor(2, kInt64)));
  CHECK(!a.action_space().contains(scalar_tensor(0.5, kFloat64)));
  CHECK_THROWS_WITH_AS(a.step(std::int64_t{2}), doctest::Contains("action 2 is not in Discrete(2)"),
                       Error);
  CHECK_THROWS_WITH_AS(a.step(from_vector(std::vector<double>{0.5})),
                       doctest::Contains("not in Discrete(2)"), Error);
}

TEST_CASE("cartpole: make_env truncates at 500 steps") {
  auto env = make_env("CartPole-v1");
  auto& inner = dynamic_cast<CartPole&>(dynamic_cast<Wrapper&>(*env).inner());
  env->reset(0);
  StepResult r;
  for (int t = 0; t < 500; ++t) {
    inner.set_state({0, 0, 0, 0});  // keep it balanced: the limit, not the pole, ends it
    r = env->step(std::int64_t{t % 2});
    CHECK(r.truncated == (t == 499));
  }
  CHECK_THROWS_WITH_AS(make_env("MountainCar-v0"),
                       doctest::Contains("unknown environment 'MountainCar-v0'"), Error);
}

TEST_CASE("acrobot: the book dynamics at rest, and one RK4 step") {
  // At rest with torque +1: cos t2 = 1, cos(-pi/2) = 0, so phi1 = phi2 = 0 and
  //   d1 = 0.25 + (1 + 0.25 + 1) + 1 + 1 = 4.5,  d2 = (0.25 + 0.5) + 1 = 1.75
  //   ddt2 = 1 / (0.25 + 1 - 1.75^2 / 4.5) = 1 / (41/72) = 72/41
  //   ddt1 = -(1.75 * 72/41) / 4.5 = -28/41
  const auto d = Acrobot::dsdt({0, 0, 0, 0}, 1.0);
  CHECK(d[0] == 0.0);
  CHECK(d[1] == 0.0);
  CHECK(d[2] == doctest::Approx(-28.0 / 41).epsilon(1e-13));
  CHECK(d[3] == doctest::Approx(72.0 / 41).epsilon(1e-13));
  // One step y' = y + dt/6 (k1 + 2 k2 + 2 k3 + k4), dt = 0.2, from (0.1, -0.2, 0.3, -0.4) with
  // torque -1 (action 0); the k's are the equations above at y, y + dt/2 k1, y + dt/2 k2,
  // y + dt k3 (evaluated in float64 by a 15-line transcription of them, acrobot.py's rk4).
  Acrobot env;
  env.set_state({0.1, -0.2, 0.3, -0.4});
  StepResult r = env.step(std::int64_t{0});
  CHECK(env.state()[0] == doctest::Approx(0.1544280535176176).epsilon(1e-12));
  CHECK(env.state()[1] == doctest::Approx(-0.2796784625217692).epsilon(1e-12));
  CHECK(env.state()[2] == doctest::Approx(0.23102745634235644).epsilon(1e-12));
  CHECK(env.state()[3] == doctest::Approx(-0.37533176739803126).epsilon(1e-12));
  CHECK(r.reward == -1.0);
  CHECK(!r.terminated);
  REQUIRE(r.obs.shape() == Shape{6});
  CHECK(r.obs.at(0) == static_cast<float>(std::cos(env.state()[0])));
  CHECK(r.obs.at(3) == static_cast<float>(std::sin(env.state()[1])));
}

TEST_CASE("acrobot: angles wrap into [-pi, pi], speeds clip, the goal height terminates") {
  Acrobot env;
  // From (3.1, 0.1, 5, 0) with no torque t1 reaches 4.149673405952684 > pi: wrapped by -2 pi.
  env.set_state({3.1, 0.1, 5.0, 0.0});
  env.step(std::int64_t{1});
  CHECK(env.state()[0] == doctest::Approx(4.149673405952684 - 2 * kPi).epsilon(1e-12));
  CHECK(env.state()[2] == doctest::Approx(5.664304333299925).epsilon(1e-12));
  // dt1 = 20 > 4 pi: clipped.
  env.set_state({0, 0, 20, 0});
  env.step(std::int64_t{1});
  CHECK(env.state()[2] == Acrobot::kMaxVel1);
  // Hanging upside down (t1 = 3, t2 = 0): after a step -cos t1 - cos(t1 + t2) = 1.9767 > 1.
  env.set_state({3.0, 0.0, 0.0, 0.0});
  StepResult r = env.step(std::int64_t{1});
  CHECK(r.terminated);
  CHECK(r.reward == 0.0);
}

TEST_CASE("pendulum: cost of the old state, semi-implicit Euler, clipped torque") {
  // th = 1, th_dot = 0.5, u = 1.5:
  //   cost = 1^2 + 0.1 * 0.25 + 0.001 * 2.25 = 1.02725
  //   th_dot' = 0.5 + (3 * 10 / 2 sin 1 + 3 * 1.5) * 0.05 = 0.5 + (12.622064 + 4.5) * 0.05
  //           = 1.3561032386; th' = 1 + 0.05 th_dot' = 1.0678051619
  Pendulum env;
  env.set_state({1.0, 0.5});
  StepResult r = env.step(from_vector(std::vector<float>{1.5f}));
  CHECK(r.reward == doctest::Approx(-1.02725).epsilon(1e-13));
  CHECK(env.state()[1] == doctest::Approx(1.3561032386059226).epsilon(1e-13));
  CHECK(env.state()[0] == doctest::Approx(1.0678051619302962).epsilon(1e-13));
  CHECK(!r.terminated);
  // u = 5 is clipped to 2: cost 0 + 0 + 0.001 * 4 from rest at the top; th_dot' = 2 * 3 * 0.05.
  env.set_state({0.0, 0.0});
  r = env.step(from_vector(std::vector<float>{5.0f}));
  CHECK(r.reward == doctest::Approx(-0.004).epsilon(1e-13));
  CHECK(env.state()[1] == doctest::Approx(0.3).epsilon(1e-13));
  // The angle in the cost is normalised: th = 4 counts as 4 - 2 pi.
  env.set_state({4.0, 0.0});
  r = env.step(from_vector(std::vector<float>{0.0f}));
  CHECK(r.reward == doctest::Approx(-(4 - 2 * kPi) * (4 - 2 * kPi)).epsilon(1e-13));
  // The speed clips at 8.
  env.set_state({kPi / 2, 7.9});
  env.step(from_vector(std::vector<float>{2.0f}));
  CHECK(env.state()[1] == 8.0);
  CHECK_THROWS_WITH_AS(env.step(from_vector(std::vector<float>{1, 2})),
                       doctest::Contains("the action space Box([-2], [2]) needs 1"), Error);
  auto limited = make_env("Pendulum-v1");
  limited->reset(3);
  int steps = 0;
  while (!limited->step(from_vector(std::vector<float>{0.0f})).truncated) ++steps;
  CHECK(steps + 1 == 200);
}

TEST_CASE("bandit: arm means from their seed, rewards around the mean, one-step episodes") {
  GaussianBandit bandit({.arms = 5, .means_seed = 3});
  GaussianBandit same({.arms = 5, .means_seed = 3});
  CHECK(bandit.means() == same.means());
  REQUIRE(bandit.means().size() == 5);
  const std::int64_t best = bandit.optimal_arm();
  for (double m : bandit.means()) CHECK(m <= bandit.means()[best]);
  bandit.reset(11);
  double total = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    StepResult r = bandit.step(std::int64_t{2});
    CHECK(r.terminated);
    total += r.reward;
    bandit.reset();
  }
  // The sample mean of 4000 N(q*_2, 1) rewards is within 5 standard errors (0.079) of q*_2.
  CHECK(std::abs(total / n - bandit.means()[2]) < 0.08);
  // A noiseless bandit pays exactly the mean.
  GaussianBandit exact({.arms = 3, .means_seed = 1, .reward_std = 0.0});
  exact.reset(0);
  CHECK(exact.step(std::int64_t{1}).reward == exact.means()[1]);
  CHECK_THROWS_WITH_AS(GaussianBandit({.arms = 0}), doctest::Contains("arms must be >= 1"), Error);
}

}  // namespace minidl::rl
