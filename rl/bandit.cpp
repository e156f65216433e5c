// The k-armed Gaussian bandit (Sutton & Barto 2018, section 2.3, the 10-armed testbed).
//
//   q*_a ~ N(0, 1) for a = 0..k-1, drawn once from means_seed;  R_t ~ N(q*_{A_t}, sigma^2)
//   each step is a one-step episode (terminated = true), the observation is [0].
//   regret after T pulls = sum_t (max_a q*_a - q*_{A_t}).
#include <algorithm>

#include "rl/envs.h"
#include "tensor/error.h"

namespace minidl::rl {

GaussianBandit::GaussianBandit(const BanditOptions& options) : options_(options) {
  MINIDL_CHECK(options.arms >= 1, "GaussianBandit: arms must be >= 1, got ", options.arms);
  MINIDL_CHECK(options.reward_std >= 0, "GaussianBandit: reward_std must be >= 0, got ",
               options.reward_std);
  obs_space_ = Space::box({0.0}, {0.0});
  action_space_ = Space::discrete(options.arms);
  Generator g = detail::env_generator(options.means_seed ^ 0x6d65616e73ULL);  // "means"
  for (std::int64_t a = 0; a < options.arms; ++a) means_.push_back(detail::normal(g));
}

std::int64_t GaussianBandit::optimal_arm() const {
  return std::max_element(means_.begin(), means_.end()) - means_.begin();
}

Tensor GaussianBandit::reset(std::optional<std::uint64_t> seed) {
  if (seed) gen_ = detail::env_generator(*seed);
  ready_ = true;
  return detail::observation({0.0});
}

StepResult GaussianBandit::step(const Tensor& action) {
  MINIDL_CHECK(ready_, "GaussianBandit: step() before reset() or after the episode ended");
  const std::int64_t a = detail::discrete_action("GaussianBandit", action, options_.arms);
  StepResult r;
  r.reward = means_[a] + options_.reward_std * detail::normal(gen_);
  r.terminated = true;
  r.obs = detail::observation({0.0});
  ready_ = false;
  return r;
}

// The arm means are fixed by the options (means_seed), so only the stream and the flag are saved.
void GaussianBandit::save_state(StateWriter& out) const {
  out.generator(gen_);
  out.u64(ready_ ? 1 : 0);
}

void GaussianBandit::load_state(StateReader& in) {
  in.generator(gen_);
  ready_ = in.u64() != 0;
}

}  // namespace minidl::rl
