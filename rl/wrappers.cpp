// The wrappers of rl/wrappers.h. Each follows Gymnasium 0.29's wrapper of the same name.
//
// RunningMeanStd's update of (mean, var, count) with one sample x (Chan et al. 1979):
//   delta = x - mean;  tot = count + 1;  mean' = mean + delta / tot
//   var' = (var count + delta^2 count / tot) / tot;  count' = tot
#include "rl/wrappers.h"

#include <algorithm>
#include <cmath>

#include "tensor/error.h"

namespace minidl::rl {
namespace {

Tensor clip_tensor(const Tensor& obs, double lo, double hi) {
  Tensor out = obs.clone();
  float* p = out.data<float>();
  for (std::int64_t i = 0; i < out.numel(); ++i)
    p[i] = static_cast<float>(std::clamp(static_cast<double>(p[i]), lo, hi));
  return out;
}

}  // namespace

Wrapper::Wrapper(std::unique_ptr<Env> env) : env_(std::move(env)) {
  MINIDL_CHECK(env_ != nullptr, "Wrapper: the wrapped environment is null");
}

TimeLimit::TimeLimit(std::unique_ptr<Env> env, std::int64_t max_steps)
    : Wrapper(std::move(env)), max_steps_(max_steps) {
  MINIDL_CHECK(max_steps > 0, "TimeLimit: max_steps must be positive, got ", max_steps);
}

Tensor TimeLimit::reset(std::optional<std::uint64_t> seed) {
  elapsed_ = 0;
  return env_->reset(seed);
}

StepResult TimeLimit::step(const Tensor& action) {
  StepResult r = env_->step(action);
  ++elapsed_;
  if (elapsed_ >= max_steps_) r.truncated = true;
  return r;
}

RunningMeanStd::RunningMeanStd(std::int64_t size)
    : mean_(static_cast<std::size_t>(size), 0.0), var_(static_cast<std::size_t>(size), 1.0) {}

void RunningMeanStd::update(const std::vector<double>& x) {
  MINIDL_CHECK(x.size() == mean_.size(), "RunningMeanStd: a sample of ", x.size(),
               " values, the statistics hold ", mean_.size());
  const double tot = count_ + 1.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double delta = x[i] - mean_[i];
    mean_[i] += delta / tot;
    var_[i] = (var_[i] * count_ + delta * delta * count_ / tot) / tot;
  }
  count_ = tot;
}

NormalizeObservation::NormalizeObservation(std::unique_ptr<Env> env, double epsilon)
    : Wrapper(std::move(env)), rms_(env_->observation_space().flat_size()), epsilon_(epsilon) {}

Tensor NormalizeObservation::normalize(const Tensor& obs) {
  const std::vector<double> x = obs.to_vector();
  if (update_) rms_.update(x);
  std::vector<double> out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    out[i] = (x[i] - rms_.mean()[i]) / std::sqrt(rms_.var()[i] + epsilon_);
  return detail::observation(out).reshape(obs.shape());
}

Tensor NormalizeObservation::reset(std::optional<std::uint64_t> seed) {
  return normalize(env_->reset(seed));
}

StepResult NormalizeObservation::step(const Tensor& action) {
  StepResult r = env_->step(action);
  r.obs = normalize(r.obs);
  return r;
}

NormalizeReward::NormalizeReward(std::unique_ptr<Env> env, double gamma, double epsilon)
    : Wrapper(std::move(env)), gamma_(gamma), epsilon_(epsilon) {}

StepResult NormalizeReward::step(const Tensor& action) {
  StepResult r = env_->step(action);
  return_ = return_ * gamma_ * (r.terminated ? 0.0 : 1.0) + r.reward;
  rms_.update({return_});
  if (!r.unscaled_reward) r.unscaled_reward = r.reward;
  r.reward /= std::sqrt(rms_.var()[0] + epsilon_);
  return r;
}

ClipObservation::ClipObservation(std::unique_ptr<Env> env, double bound)
    : Wrapper(std::move(env)), bound_(bound) {
  MINIDL_CHECK(bound > 0, "ClipObservation: bound must be positive, got ", bound);
}

Tensor ClipObservation::reset(std::optional<std::uint64_t> seed) {
  return clip_tensor(env_->reset(seed), -bound_, bound_);
}

StepResult ClipObservation::step(const Tensor& action) {
  StepResult r = env_->step(action);
  r.obs = clip_tensor(r.obs, -bound_, bound_);
  return r;
}

ClipReward::ClipReward(std::unique_ptr<Env> env, double bound)
    : Wrapper(std::move(env)), bound_(bound) {
  MINIDL_CHECK(bound > 0, "ClipReward: bound must be positive, got ", bound);
}

StepResult ClipReward::step(const Tensor& action) {
  StepResult r = env_->step(action);
  if (!r.unscaled_reward) r.unscaled_reward = r.reward;
  r.reward = std::clamp(r.reward, -bound_, bound_);
  return r;
}

ClipAction::ClipAction(std::unique_ptr<Env> env) : Wrapper(std::move(env)) {
  MINIDL_CHECK(!env_->action_space().is_discrete(), "ClipAction: needs a Box action space, got ",
               env_->action_space().repr());
}

StepResult ClipAction::step(const Tensor& action) {
  const Space& s = env_->action_space();
  std::vector<double> a = detail::box_action(name(), action, s);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = std::clamp(a[i], s.low[i], s.high[i]);
  return env_->step(from_vector(a, s.shape));
}

void TimeLimit::save_state(StateWriter& out) const {
  out.u64(static_cast<std::uint64_t>(elapsed_));
  env_->save_state(out);
}

void TimeLimit::load_state(StateReader& in) {
  elapsed_ = static_cast<std::int64_t>(in.u64());
  env_->load_state(in);
}

void RunningMeanStd::save(StateWriter& out) const {
  out.u64(mean_.size());
  for (std::size_t i = 0; i < mean_.size(); ++i) {
    out.f64(mean_[i]);
    out.f64(var_[i]);
  }
  out.f64(count_);
}

void RunningMeanStd::load(StateReader& in) {
  const std::uint64_t n = in.u64();
  MINIDL_CHECK(n == mean_.size(), "RunningMeanStd: saved statistics of ", n, " values, these hold ",
               mean_.size());
  for (std::size_t i = 0; i < mean_.size(); ++i) {
    mean_[i] = in.f64();
    var_[i] = in.f64();
  }
  count_ = in.f64();
}

void NormalizeObservation::save_state(StateWriter& out) const {
  rms_.save(out);
  out.u64(update_ ? 1 : 0);
  env_->save_state(out);
}

void NormalizeObservation::load_state(StateReader& in) {
  rms_.load(in);
  update_ = in.u64() != 0;
  env_->load_state(in);
}

void NormalizeReward::save_state(StateWriter& out) const {
  rms_.save(out);
  out.f64(return_);
  env_->save_state(out);
}

void NormalizeReward::load_state(StateReader& in) {
  rms_.load(in);
  return_ = in.f64();
  env_->load_state(in);
}

}  // namespace minidl::rl
