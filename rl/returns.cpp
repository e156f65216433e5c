// Returns, GAE(lambda) and normalisation of rl/returns.h (the formulas are there). Loops run
// backwards in time in double: T is a rollout length, a few thousand at most.
#include "rl/returns.h"

#include <cmath>
#include <vector>

#include "tensor/error.h"

namespace minidl::rl {
namespace {

struct Layout {
  std::int64_t t, n;
};

Layout layout_of(const char* op, const Tensor& rewards) {
  MINIDL_CHECK(
      rewards.defined() && (rewards.dim() == 1 || rewards.dim() == 2) && rewards.numel() > 0, op,
      ": rewards must be a non-empty [T] or [T, N] tensor, got ",
      rewards.defined() ? rewards.repr() : "undefined");
  return {rewards.size(0), rewards.dim() == 2 ? rewards.size(1) : 1};
}

std::vector<double> same_shape(const char* op, const char* what, const Tensor& x,
                               const Tensor& rewards) {
  MINIDL_CHECK(x.defined() && x.shape() == rewards.shape(), op, ": ", what,
               " must be shaped like the rewards ", rewards.repr(), ", got ",
               x.defined() ? x.repr() : "undefined");
  return x.to_vector();
}

std::vector<double> last_of(const char* op, const Tensor& last, std::int64_t n) {
  if (!last.defined()) return std::vector<double>(static_cast<std::size_t>(n), 0.0);
  MINIDL_CHECK(last.numel() == n, op, ": last_value must hold one value per environment (", n,
               "), got ", last.numel());
  return last.to_vector();
}

Tensor as_float64(const std::vector<double>& v, const Shape& shape) {
  return from_vector(v, shape);
}

}  // namespace

Tensor discounted_returns(const Tensor& rewards, const Tensor& dones, double gamma,
                          const Tensor& last_value) {
  constexpr const char* kOp = "discounted_returns";
  MINIDL_CHECK(gamma >= 0 && gamma <= 1, kOp, ": gamma must be in [0, 1], got ", gamma);
  const auto [t_len, n] = layout_of(kOp, rewards);
  const std::vector<double> r = rewards.to_vector();
  const std::vector<double> d = same_shape(kOp, "dones", dones, rewards);
  std::vector<double> next = last_of(kOp, last_value, n);
  std::vector<double> out(r.size());
  for (std::int64_t t = t_len - 1; t >= 0; --t) {
    for (std::int64_t j = 0; j < n; ++j) {
      const std::size_t k = static_cast<std::size_t>(t * n + j);
      next[j] = r[k] + gamma * (d[k] != 0 ? 0.0 : 1.0) * next[j];
      out[k] = next[j];
    }
  }
  return as_float64(out, rewards.shape());
}

GaeResult gae(const GaeInputs& in, double gamma, double lambda) {
  constexpr const char* kOp = "gae";
  MINIDL_CHECK(gamma >= 0 && gamma <= 1, kOp, ": gamma must be in [0, 1], got ", gamma);
  MINIDL_CHECK(lambda >= 0 && lambda <= 1, kOp, ": lambda must be in [0, 1], got ", lambda);
  const auto [t_len, n] = layout_of(kOp, in.rewards);
  const std::vector<double> r = in.rewards.to_vector();
  const std::vector<double> v = same_shape(kOp, "values", in.values, in.rewards);
  const std::vector<double> term = same_shape(kOp, "terminated", in.terminated, in.rewards);
  std::vector<double> trunc(r.size(), 0.0), next_v(r.size(), 0.0);
  if (in.truncated.defined()) {
    trunc = same_shape(kOp, "truncated", in.truncated, in.rewards);
    bool any = false;
    for (double x : trunc) any = any || x != 0;
    if (any)
      next_v = same_shape(kOp, "next_values (needed where truncated)", in.next_values, in.rewards);
  }
  const std::vector<double> last = last_of(kOp, in.last_value, n);
  std::vector<double> adv(r.size()), ret(r.size()), running(static_cast<std::size_t>(n), 0.0);
  for (std::int64_t t = t_len - 1; t >= 0; --t) {
    for (std::int64_t j = 0; j < n; ++j) {
      const std::size_t k = static_cast<std::size_t>(t * n + j);
      const bool terminated = term[k] != 0, truncated = trunc[k] != 0;
      double v_next = t == t_len - 1 ? last[j] : v[k + static_cast<std::size_t>(n)];
      if (truncated && !terminated) v_next = next_v[k];
      const double delta = r[k] + gamma * (terminated ? 0.0 : 1.0) * v_next - v[k];
      const bool done = terminated || truncated;
      running[j] = delta + gamma * lambda * (done ? 0.0 : 1.0) * running[j];
      adv[k] = running[j];
      ret[k] = adv[k] + v[k];
    }
  }
  return {as_float64(adv, in.rewards.shape()), as_float64(ret, in.rewards.shape())};
}

Tensor normalize(const Tensor& x, double eps) {
  MINIDL_CHECK(x.defined() && x.numel() > 0, "normalize: needs a non-empty tensor");
  MINIDL_CHECK(eps >= 0, "normalize: eps must be >= 0, got ", eps);
  const std::vector<double> v = x.to_vector();
  const double n = static_cast<double>(v.size());
  double mean = 0;
  for (double a : v) mean += a;
  mean /= n;
  double ss = 0;
  for (double a : v) ss += (a - mean) * (a - mean);
  const double sd = v.size() > 1 ? std::sqrt(ss / (n - 1)) : 0.0;
  std::vector<double> out(v.size(), 0.0);
  if (v.size() == 1) return from_vector(out, x.shape());
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = (v[i] - mean) / (sd + eps);
  return from_vector(out, x.shape());
}

}  // namespace minidl::rl
