// Acrobot-v1: two links, the joint between them actuated, swung until the tip rises one link
// length above the base (Sutton 1996; Sutton & Barto 1998 "book" dynamics; Gymnasium's
// acrobot.py with book_or_nips = "book", torque_noise_max = 0).
//
//   m1 = m2 = 1, l1 = 1, lc1 = lc2 = 0.5, I1 = I2 = 1, g = 9.8; torque a in {-1, 0, +1}
//   d1   = m1 lc1^2 + m2 (l1^2 + lc2^2 + 2 l1 lc2 cos t2) + I1 + I2
//   d2   = m2 (lc2^2 + l1 lc2 cos t2) + I2
//   phi2 = m2 lc2 g cos(t1 + t2 - pi/2)
//   phi1 = -m2 l1 lc2 dt2^2 sin t2 - 2 m2 l1 lc2 dt2 dt1 sin t2 + (m1 lc1 + m2 l1) g cos(t1 - pi/2)
//          + phi2
//   ddt2 = (a + d2/d1 phi1 - m2 l1 lc2 dt1^2 sin t2 - phi2) / (m2 lc2^2 + I2 - d2^2 / d1)
//   ddt1 = -(d2 ddt2 + phi1) / d1
//   one classical RK4 step over dt = 0.2 (the torque held), then t1, t2 wrapped into [-pi, pi]
//   and dt1, dt2 clipped to [-4 pi, 4 pi], [-9 pi, 9 pi].
//   terminated when -cos t1 - cos(t1 + t2) > 1; reward -1 per step, 0 on the terminal step.
//   reset: each state variable ~ U(-0.1, 0.1). The 500-step limit is make_env's TimeLimit.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "rl/envs.h"
#include "tensor/error.h"

namespace minidl::rl {
namespace {

constexpr double kPi = std::numbers::pi;

// Gymnasium's wrap: shifts x by multiples of (hi - lo) into [lo, hi].
double wrap(double x, double lo, double hi) {
  const double diff = hi - lo;
  while (x > hi) x -= diff;
  while (x < lo) x += diff;
  return x;
}

}  // namespace

Acrobot::Acrobot() {
  obs_space_ = Space::box({-1, -1, -1, -1, -kMaxVel1, -kMaxVel2}, {1, 1, 1, 1, kMaxVel1, kMaxVel2});
  action_space_ = Space::discrete(3);
}

void Acrobot::set_state(const std::array<double, 4>& s) {
  state_ = s;
  ready_ = true;
}

Tensor Acrobot::obs() const {
  const auto& s = state_;
  return detail::observation(
      {std::cos(s[0]), std::sin(s[0]), std::cos(s[1]), std::sin(s[1]), s[2], s[3]});
}

Tensor Acrobot::reset(std::optional<std::uint64_t> seed) {
  if (seed) gen_ = detail::env_generator(*seed);
  for (double& v : state_) v = detail::uniform(gen_, -0.1, 0.1);
  ready_ = true;
  return obs();
}

std::array<double, 4> Acrobot::dsdt(const std::array<double, 4>& s, double a) {
  constexpr double m1 = 1, m2 = 1, l1 = 1, lc1 = 0.5, lc2 = 0.5, I1 = 1, I2 = 1, g = 9.8;
  const double t1 = s[0], t2 = s[1], dt1 = s[2], dt2 = s[3];
  const double d1 =
      m1 * lc1 * lc1 + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * std::cos(t2)) + I1 + I2;
  const double d2 = m2 * (lc2 * lc2 + l1 * lc2 * std::cos(t2)) + I2;
  const double phi2 = m2 * lc2 * g * std::cos(t1 + t2 - kPi / 2.0);
  const double phi1 = -m2 * l1 * lc2 * dt2 * dt2 * std::sin(t2) -
                      2 * m2 * l1 * lc2 * dt2 * dt1 * std::sin(t2) +
                      (m1 * lc1 + m2 * l1) * g * std::cos(t1 - kPi / 2) + phi2;
  const double ddt2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * dt1 * dt1 * std::sin(t2) - phi2) /
                      (m2 * lc2 * lc2 + I2 - d2 * d2 / d1);
  const double ddt1 = -(d2 * ddt2 + phi1) / d1;
  return {dt1, dt2, ddt1, ddt2};
}

StepResult Acrobot::step(const Tensor& action) {
  MINIDL_CHECK(ready_, "Acrobot: step() before reset() or after the episode ended");
  const double torque = static_cast<double>(detail::discrete_action("Acrobot", action, 3)) - 1.0;
  auto axpy = [](const std::array<double, 4>& y, double h, const std::array<double, 4>& k) {
    return std::array<double, 4>{y[0] + h * k[0], y[1] + h * k[1], y[2] + h * k[2],
                                 y[3] + h * k[3]};
  };
  const std::array<double, 4>& y0 = state_;
  const auto k1 = dsdt(y0, torque);
  const auto k2 = dsdt(axpy(y0, kDt / 2, k1), torque);
  const auto k3 = dsdt(axpy(y0, kDt / 2, k2), torque);
  const auto k4 = dsdt(axpy(y0, kDt, k3), torque);
  std::array<double, 4> ns{};
  for (int i = 0; i < 4; ++i) ns[i] = y0[i] + kDt / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
  ns[0] = wrap(ns[0], -kPi, kPi);
  ns[1] = wrap(ns[1], -kPi, kPi);
  ns[2] = std::clamp(ns[2], -kMaxVel1, kMaxVel1);
  ns[3] = std::clamp(ns[3], -kMaxVel2, kMaxVel2);
  state_ = ns;
  StepResult r;
  r.terminated = -std::cos(ns[0]) - std::cos(ns[1] + ns[0]) > 1.0;
  r.reward = r.terminated ? 0.0 : -1.0;
  r.obs = obs();
  if (r.terminated) ready_ = false;
  return r;
}

void Acrobot::save_state(StateWriter& out) const {
  out.generator(gen_);
  out.u64(ready_ ? 1 : 0);
  for (double v : state_) out.f64(v);
}

void Acrobot::load_state(StateReader& in) {
  in.generator(gen_);
  ready_ = in.u64() != 0;
  for (double& v : state_) v = in.f64();
}

}  // namespace minidl::rl
