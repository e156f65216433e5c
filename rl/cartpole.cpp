// CartPole-v1: a pole hinged on a cart that moves on a frictionless track (Barto, Sutton &
// Anderson 1983), with Gymnasium's constants and its explicit Euler step (cartpole.py,
// kinematics_integrator = "euler").
//
//   F = +10 N (action 1) or -10 N (action 0);  M = m_c + m_p = 1.1,  l = 0.5 (half length)
//   temp   = (F + m_p l theta_dot^2 sin theta) / M
//   th_acc = (g sin theta - cos theta temp) / (l (4/3 - m_p cos^2 theta / M))
//   x_acc  = temp - m_p l th_acc cos theta / M
//   x += tau x_dot;  x_dot += tau x_acc;  theta += tau theta_dot;  theta_dot += tau th_acc
//   (Euler updates every position with the *old* velocity), tau = 0.02 s
//   terminated when |x| > 2.4 or |theta| > 12 degrees; reward 1 on every step, the last included.
//   reset: each state variable ~ U(-0.05, 0.05). The 500-step limit is make_env's TimeLimit.
#include <cmath>
#include <limits>

#include "rl/envs.h"
#include "tensor/error.h"

namespace minidl::rl {

CartPole::CartPole() {
  const double inf = std::numeric_limits<float>::max();  // Gymnasium: np.finfo(np.float32).max
  obs_space_ = Space::box({-2 * kXThreshold, -inf, -2 * kThetaThreshold, -inf},
                          {2 * kXThreshold, inf, 2 * kThetaThreshold, inf});
  action_space_ = Space::discrete(2);
}

void CartPole::set_state(const std::array<double, 4>& s) {
  state_ = s;
  ready_ = true;
}

Tensor CartPole::reset(std::optional<std::uint64_t> seed) {
  if (seed) gen_ = detail::env_generator(*seed);
  for (double& v : state_) v = detail::uniform(gen_, -0.05, 0.05);
  ready_ = true;
  return detail::observation({state_.begin(), state_.end()});
}

StepResult CartPole::step(const Tensor& action) {
  MINIDL_CHECK(ready_, "CartPole: step() before reset() or after the episode ended");
  const std::int64_t a = detail::discrete_action("CartPole", action, 2);
  constexpr double total_mass = kMassCart + kMassPole;
  constexpr double polemass_length = kMassPole * kLength;
  auto [x, x_dot, theta, theta_dot] = state_;
  const double force = a == 1 ? kForceMag : -kForceMag;
  const double cos_t = std::cos(theta), sin_t = std::sin(theta);
  const double temp = (force + polemass_length * theta_dot * theta_dot * sin_t) / total_mass;
  const double theta_acc = (kGravity * sin_t - cos_t * temp) /
                           (kLength * (4.0 / 3.0 - kMassPole * cos_t * cos_t / total_mass));
  const double x_acc = temp - polemass_length * theta_acc * cos_t / total_mass;
  x += kTau * x_dot;
  x_dot += kTau * x_acc;
  theta += kTau * theta_dot;
  theta_dot += kTau * theta_acc;
  state_ = {x, x_dot, theta, theta_dot};
  StepResult r;
  r.terminated =
      x < -kXThreshold || x > kXThreshold || theta < -kThetaThreshold || theta > kThetaThreshold;
  r.reward = 1.0;
  r.obs = detail::observation({state_.begin(), state_.end()});
  if (r.terminated) ready_ = false;
  return r;
}

void CartPole::save_state(StateWriter& out) const {
  out.generator(gen_);
  out.u64(ready_ ? 1 : 0);
  for (double v : state_) out.f64(v);
}

void CartPole::load_state(StateReader& in) {
  in.generator(gen_);
  ready_ = in.u64() != 0;
  for (double& v : state_) v = in.f64();
}

}  // namespace minidl::rl
