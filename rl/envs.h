// The environments (layer 3): Gymnasium's classic-control tasks with their published constants
// and integrators, and a k-armed Gaussian bandit. Each is defined in rl/<name>.cpp with its
// equations; make_env (rl/env.h) wraps them in their registered time limits.
//
//   CartPole     obs [x, x_dot, theta, theta_dot]            Discrete(2)  +1 per step
//   Acrobot      obs [cos t1, sin t1, cos t2, sin t2, dt1, dt2] Discrete(3) -1 per step, 0 at the
//   goal Pendulum     obs [cos th, sin th, th_dot]                 Box([-2], [2])  -(th^2 + .1 w^2
//   + .001 u^2) GaussianBandit obs [0]                                    Discrete(k)  N(q*_a, 1),
//   one-step episodes
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "rl/env.h"

namespace minidl::rl {

// CartPole-v1 (Barto, Sutton & Anderson 1983; gymnasium/envs/classic_control/cartpole.py).
class CartPole : public Env {
 public:
  CartPole();
  using Env::step;
  Tensor reset(std::optional<std::uint64_t> seed = std::nullopt) override;
  StepResult step(const Tensor& action) override;
  const Space& observation_space() const override { return obs_space_; }
  const Space& action_space() const override { return action_space_; }
  std::string name() const override { return "CartPole"; }
  void save_state(StateWriter& out) const override;
  void load_state(StateReader& in) override;
  // The physical state in float64 (the observation is its float32 copy); set_state for tests.
  const std::array<double, 4>& state() const { return state_; }
  void set_state(const std::array<double, 4>& s);

  static constexpr double kGravity = 9.8, kMassCart = 1.0, kMassPole = 0.1;
  static constexpr double kLength = 0.5;  // half the pole's length
  static constexpr double kForceMag = 10.0, kTau = 0.02;
  static constexpr double kXThreshold = 2.4;
  static constexpr double kThetaThreshold = 12 * 2 * 3.141592653589793 / 360;  // 12 degrees

 private:
  Space obs_space_, action_space_;
  Generator gen_ = detail::env_generator(0);
  std::array<double, 4> state_{};
  bool ready_ = false;  // reset since the last termination
};

// Acrobot-v1 (Sutton & Barto 1998 "book" dynamics, RK4 over dt = 0.2;
// gymnasium/envs/classic_control/acrobot.py).
class Acrobot : public Env {
 public:
  Acrobot();
  using Env::step;
  Tensor reset(std::optional<std::uint64_t> seed = std::nullopt) override;
  StepResult step(const Tensor& action) override;
  const Space& observation_space() const override { return obs_space_; }
  const Space& action_space() const override { return action_space_; }
  std::string name() const override { return "Acrobot"; }
  void save_state(StateWriter& out) const override;
  void load_state(StateReader& in) override;
  // [theta1, theta2, dtheta1, dtheta2].
  const std::array<double, 4>& state() const { return state_; }
  void set_state(const std::array<double, 4>& s);
  // ds/dt at state s under torque a (the book's equations); public for the tests.
  static std::array<double, 4> dsdt(const std::array<double, 4>& s, double torque);

  static constexpr double kDt = 0.2;
  static constexpr double kMaxVel1 = 4 * 3.141592653589793, kMaxVel2 = 9 * 3.141592653589793;

 private:
  Tensor obs() const;
  Space obs_space_, action_space_;
  Generator gen_ = detail::env_generator(0);
  std::array<double, 4> state_{};
  bool ready_ = false;
};

// Pendulum-v1 (gymnasium/envs/classic_control/pendulum.py), g = 10.
class Pendulum : public Env {
 public:
  Pendulum();
  using Env::step;
  Tensor reset(std::optional<std::uint64_t> seed = std::nullopt) override;
  StepResult step(const Tensor& action) override;
  const Space& observation_space() const override { return obs_space_; }
  const Space& action_space() const override { return action_space_; }
  std::string name() const override { return "Pendulum"; }
  void save_state(StateWriter& out) const override;
  void load_state(StateReader& in) override;
  // [theta, theta_dot].
  const std::array<double, 2>& state() const { return state_; }
  void set_state(const std::array<double, 2>& s);

  static constexpr double kMaxSpeed = 8, kMaxTorque = 2, kDt = 0.05, kG = 10.0, kM = 1, kL = 1;

 private:
  Tensor obs() const;
  Space obs_space_, action_space_;
  Generator gen_ = detail::env_generator(0);
  std::array<double, 2> state_{};
  bool ready_ = false;
};

// The k-armed Gaussian bandit of Sutton & Barto (2018, section 2.3): arm means q*_a ~ N(0, 1)
// drawn once at construction from means_seed, reward ~ N(q*_a, reward_std^2). Each step is a
// one-step episode (terminated), the observation a constant [0].
struct BanditOptions {
  std::int64_t arms = 10;
  std::uint64_t means_seed = 0;
  double reward_std = 1.0;
};
class GaussianBandit : public Env {
 public:
  explicit GaussianBandit(const BanditOptions& options = {});
  using Env::step;
  Tensor reset(std::optional<std::uint64_t> seed = std::nullopt) override;
  StepResult step(const Tensor& action) override;
  const Space& observation_space() const override { return obs_space_; }
  const Space& action_space() const override { return action_space_; }
  std::string name() const override { return "GaussianBandit"; }
  void save_state(StateWriter& out) const override;
  void load_state(StateReader& in) override;
  const std::vector<double>& means() const { return means_; }
  std::int64_t optimal_arm() const;

 private:
  BanditOptions options_;
  Space obs_space_, action_space_;
  Generator gen_ = detail::env_generator(0);
  std::vector<double> means_;
  bool ready_ = false;
};

}  // namespace minidl::rl
