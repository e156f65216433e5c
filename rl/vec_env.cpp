// The synchronous vectorised environment of rl/vec_env.h.
#include "rl/vec_env.h"

#include <cstring>

#include "tensor/error.h"

namespace minidl::rl {
namespace {

// Copies a [D] float32 observation into row i of obs [N, D].
void put_row(Tensor& obs, std::int64_t i, const Tensor& row) {
  const std::int64_t d = row.numel();
  std::memcpy(obs.data<float>() + i * d, row.data<float>(), static_cast<std::size_t>(d) * 4);
}

}  // namespace

VecEnv::VecEnv(const std::function<std::unique_ptr<Env>()>& make, std::int64_t num_envs) {
  MINIDL_CHECK(num_envs >= 1, "VecEnv: num_envs must be >= 1, got ", num_envs);
  for (std::int64_t i = 0; i < num_envs; ++i) {
    envs_.push_back(make());
    MINIDL_CHECK(envs_.back() != nullptr, "VecEnv: the factory returned null");
  }
  returns_.assign(envs_.size(), 0.0);
  lengths_.assign(envs_.size(), 0);
}

Tensor VecEnv::reset(std::optional<std::uint64_t> seed) {
  const std::int64_t d = observation_space().flat_size();
  Tensor obs({num_envs(), d}, kFloat32);
  for (std::int64_t i = 0; i < num_envs(); ++i) {
    std::optional<std::uint64_t> s;
    if (seed) s = *seed + static_cast<std::uint64_t>(i);
    put_row(obs, i, envs_[i]->reset(s));
    returns_[i] = 0;
    lengths_[i] = 0;
  }
  ready_ = true;
  return obs;
}

VecStepResult VecEnv::step(const Tensor& actions) {
  MINIDL_CHECK(ready_, "VecEnv: step() before reset()");
  const Space& as = action_space();
  const std::int64_t n = num_envs(), a = as.flat_size();
  MINIDL_CHECK(
      actions.defined() && actions.numel() == n * a && actions.dim() >= 1 && actions.size(0) == n,
      "VecEnv: actions must be [", n, as.is_discrete() ? "]" : ", A]", " for ", n, " copies, got ",
      actions.defined() ? actions.repr() : "undefined");
  const std::int64_t d = observation_space().flat_size();
  VecStepResult out;
  out.obs = Tensor({n, d}, kFloat32);
  out.rewards.resize(n);
  out.terminated.resize(n);
  out.truncated.resize(n);
  out.final_obs.resize(n);
  const Tensor flat = actions.reshape({n, a});
  for (std::int64_t i = 0; i < n; ++i) {
    const Tensor act = as.is_discrete() ? flat.narrow_rows(i, 1).reshape({})
                                        : flat.narrow_rows(i, 1).reshape(as.shape);
    StepResult r = envs_[i]->step(act);
    out.rewards[i] = r.reward;
    out.terminated[i] = r.terminated;
    out.truncated[i] = r.truncated;
    returns_[i] += r.unscaled_reward.value_or(r.reward);
    lengths_[i] += 1;
    if (r.done()) {
      out.final_obs[i] = r.obs;
      out.finished.push_back({i, returns_[i], lengths_[i]});
      returns_[i] = 0;
      lengths_[i] = 0;
      put_row(out.obs, i, envs_[i]->reset());
    } else {
      put_row(out.obs, i, r.obs);
    }
  }
  return out;
}

EnvState VecEnv::state() const {
  StateWriter w;
  w.u64(envs_.size());
  w.u64(ready_ ? 1 : 0);
  for (std::size_t i = 0; i < envs_.size(); ++i) {
    w.f64(returns_[i]);
    w.u64(static_cast<std::uint64_t>(lengths_[i]));
    envs_[i]->save_state(w);
  }
  return w.words;
}

void VecEnv::load_state(const EnvState& state) {
  StateReader r(state, "VecEnv");
  MINIDL_CHECK(r.u64() == envs_.size(), "VecEnv: the saved state is of another number of copies");
  ready_ = r.u64() != 0;
  for (std::size_t i = 0; i < envs_.size(); ++i) {
    returns_[i] = r.f64();
    lengths_[i] = static_cast<std::int64_t>(r.u64());
    envs_[i]->load_state(r);
  }
  r.finish();
}

}  // namespace minidl::rl
