// Pendulum-v1: swing a frictionless pendulum up and hold it (Gymnasium's pendulum.py, g = 10).
//
//   u = clip(action, -2, 2);  th_n = ((th + pi) mod 2 pi) - pi   (angle_normalize)
//   cost = th_n^2 + 0.1 th_dot^2 + 0.001 u^2;  reward = -cost (of the state before the step)
//   th_dot' = clip(th_dot + (3 g / (2 l) sin th + 3 / (m l^2) u) dt, -8, 8)
//   th'     = th + th_dot' dt            (semi-implicit Euler: the new velocity moves the angle)
//   dt = 0.05, m = l = 1. Never terminates; make_env's TimeLimit truncates at 200 steps.
//   reset: th ~ U(-pi, pi), th_dot ~ U(-1, 1).
#include <algorithm>
#include <cmath>
#include <numbers>

#include "rl/envs.h"
#include "tensor/error.h"

namespace minidl::rl {
namespace {

constexpr double kPi = std::numbers::pi;

double angle_normalize(double x) {
  double m = std::fmod(x + kPi, 2 * kPi);  // Python's % is never negative for a positive divisor
  if (m < 0) m += 2 * kPi;
  return m - kPi;
}

}  // namespace

Pendulum::Pendulum() {
  obs_space_ = Space::box({-1, -1, -kMaxSpeed}, {1, 1, kMaxSpeed});
  action_space_ = Space::box({-kMaxTorque}, {kMaxTorque});
}

void Pendulum::set_state(const std::array<double, 2>& s) {
  state_ = s;
  ready_ = true;
}

Tensor Pendulum::obs() const {
  return detail::observation({std::cos(state_[0]), std::sin(state_[0]), state_[1]});
}

Tensor Pendulum::reset(std::optional<std::uint64_t> seed) {
  if (seed) gen_ = detail::env_generator(*seed);
  state_[0] = detail::uniform(gen_, -kPi, kPi);
  state_[1] = detail::uniform(gen_, -1.0, 1.0);
  ready_ = true;
  return obs();
}

StepResult Pendulum::step(const Tensor& action) {
  MINIDL_CHECK(ready_, "Pendulum: step() before reset()");
  const double u =
      std::clamp(detail::box_action("Pendulum", action, action_space_)[0], -kMaxTorque, kMaxTorque);
  const double th = state_[0], thdot = state_[1];
  const double th_n = angle_normalize(th);
  const double cost = th_n * th_n + 0.1 * thdot * thdot + 0.001 * u * u;
  double new_thdot = thdot + (3 * kG / (2 * kL) * std::sin(th) + 3.0 / (kM * kL * kL) * u) * kDt;
  new_thdot = std::clamp(new_thdot, -kMaxSpeed, kMaxSpeed);
  state_ = {th + new_thdot * kDt, new_thdot};
  StepResult r;
  r.reward = -cost;
  r.obs = obs();
  return r;
}

void Pendulum::save_state(StateWriter& out) const {
  out.generator(gen_);
  out.u64(ready_ ? 1 : 0);
  for (double v : state_) out.f64(v);
}

void Pendulum::load_state(StateReader& in) {
  in.generator(gen_);
  ready_ = in.u64() != 0;
  for (double& v : state_) v = in.f64();
}

}  // namespace minidl::rl
