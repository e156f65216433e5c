// Categorical and DiagGaussian of rl/distributions.h (formulas there).
//
// Stability: the categorical works from log_softmax (a logit of 1e4 is fine); its entropy uses
// p log p with p = exp(log p), which is 0 (not NaN) when p underflows, because log p stays finite.
#include "rl/distributions.h"

#include <cmath>
#include <numbers>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace minidl::rl {

Categorical::Categorical(const Variable& logits) : logits_(logits) {
  MINIDL_CHECK(logits.defined() && logits.dim() == 2 && logits.size(1) >= 1 && logits.size(0) >= 1,
               "Categorical: logits must be [N, A] with N, A >= 1, got ",
               logits.defined() ? logits.value().repr() : "undefined");
  MINIDL_CHECK(logits.dtype() != kInt64, "Categorical: logits must be floating point");
  log_probs_ = log_softmax(logits, 1);
}

Tensor Categorical::sample(Generator& gen) const {
  const Tensor lp = log_probs_.value().to(kFloat64);
  const std::int64_t n = lp.size(0), a = lp.size(1);
  Tensor out({n}, kInt64);
  const double* p = lp.data<double>();
  std::int64_t* o = out.data<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) {
    const double u = gen.uniform();
    double cdf = 0;
    std::int64_t k = a - 1;  // rounding can leave the total a hair under 1: the last action
    for (std::int64_t j = 0; j < a; ++j) {
      cdf += std::exp(p[i * a + j]);
      if (u < cdf) {
        k = j;
        break;
      }
    }
    o[i] = k;
  }
  return out;
}

Tensor Categorical::mode() const { return argmax(logits_.value(), 1); }

Variable Categorical::log_prob(const Tensor& actions) const {
  const std::int64_t n = logits_.size(0), a = logits_.size(1);
  MINIDL_CHECK(actions.defined() && actions.dtype() == kInt64 && actions.shape() == Shape{n},
               "Categorical::log_prob: actions must be int64 [", n, "], got ",
               actions.defined() ? actions.repr() : "undefined");
  const std::int64_t* p = actions.data<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i)
    MINIDL_CHECK(p[i] >= 0 && p[i] < a, "Categorical::log_prob: action ", p[i], " at row ", i,
                 " is not in [0, ", a, ")");
  return reshape(gather(log_probs_, 1, actions.reshape({n, 1})), {n});
}

Variable Categorical::entropy() const { return neg(sum(exp(log_probs_) * log_probs_, {1})); }

DiagGaussian::DiagGaussian(const Variable& mean, const Variable& log_std)
    : mean_(mean), log_std_(log_std) {
  MINIDL_CHECK(mean.defined() && mean.dim() == 2 && mean.size(0) >= 1 && mean.size(1) >= 1,
               "DiagGaussian: mean must be [N, D], got ",
               mean.defined() ? mean.value().repr() : "undefined");
  const std::int64_t n = mean.size(0), d = mean.size(1);
  MINIDL_CHECK(
      (log_std.defined() && (log_std.shape() == Shape{d} || log_std.shape() == Shape{n, d})),
      "DiagGaussian: log_std must be [", d, "] or [", n, ", ", d, "], got ",
      log_std.defined() ? log_std.value().repr() : "undefined");
  MINIDL_CHECK(mean.dtype() != kInt64 && log_std.dtype() == mean.dtype(),
               "DiagGaussian: mean and log_std must share one floating dtype");
}

Tensor DiagGaussian::sample(Generator& gen) const {
  const Tensor eps = randn(mean_.shape(), gen, mean_.dtype());
  return add(mean_.value(), mul(exp(log_std_.value()), eps));
}

Tensor DiagGaussian::mode() const { return mean_.value().clone(); }

Variable DiagGaussian::log_prob(const Tensor& actions) const {
  MINIDL_CHECK(actions.defined() && actions.shape() == mean_.shape(),
               "DiagGaussian::log_prob: actions must be shaped like the mean [", mean_.size(0),
               ", ", mean_.size(1), "], got ", actions.defined() ? actions.repr() : "undefined");
  const Variable a(actions.to(mean_.dtype()));
  const Variable z = (a - mean_) * exp(neg(log_std_));  // (a - mu) / sigma
  const double half_log_2pi = 0.5 * std::log(2 * std::numbers::pi);
  return sum(square(z) * -0.5 - log_std_ - half_log_2pi, {1});
}

Variable DiagGaussian::entropy() const {
  const double c = 0.5 + 0.5 * std::log(2 * std::numbers::pi);
  const Variable per_dim = broadcast_to(log_std_ + c, mean_.shape());
  return sum(per_dim, {1});
}

}  // namespace minidl::rl
