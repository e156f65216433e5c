// Action distributions for policies (layer 3), as torch.distributions defines them; every
// log_prob and entropy is a differentiable Variable (composed from autograd ops, so gradients of
// gradients work too). Shapes: N batch, A actions, D action dimensions.
//
// Categorical(logits [N, A]):
//   log p(a) = log_softmax(logits)[a]                     log_prob(actions int64 [N]) -> [N]
//   H = -sum_a p_a log p_a                                entropy() -> [N]
//   sample: inverse CDF of softmax(logits) at one uniform per row -> int64 [N]; mode = argmax
// DiagGaussian(mean [N, D], log_std [D] or [N, D]; Spinning Up's state-independent log-std is a
// [D] parameter):
//   log p(a) = sum_d -(a_d - mu_d)^2 / (2 sigma_d^2) - log sigma_d - log(2 pi) / 2   -> [N]
//   H = sum_d 1/2 + log(2 pi) / 2 + log sigma_d                                  -> [N]
//   (torch.distributions.Normal's log_prob and entropy summed over the last axis, as CleanRL and
//   Spinning Up do); sample = mu + sigma eps, eps ~ N(0, 1) -> [N, D] (not differentiable);
//   mode = mu.
// Samples come from the caller's Generator, so a seed fixes a rollout whatever the thread count.
#pragma once

#include "autograd/variable.h"
#include "tensor/random.h"
#include "tensor/tensor.h"

namespace minidl::rl {

class Categorical {
 public:
  explicit Categorical(const Variable& logits);
  Tensor sample(Generator& gen) const;  // int64 [N]
  Tensor mode() const;                  // int64 [N]
  Variable log_prob(const Tensor& actions) const;
  Variable entropy() const;
  const Variable& logits() const { return logits_; }
  // log_softmax(logits) [N, A].
  const Variable& log_probs() const { return log_probs_; }

 private:
  Variable logits_, log_probs_;
};

class DiagGaussian {
 public:
  DiagGaussian(const Variable& mean, const Variable& log_std);
  Tensor sample(Generator& gen) const;  // [N, D], the mean's dtype
  Tensor mode() const;
  Variable log_prob(const Tensor& actions) const;
  Variable entropy() const;
  const Variable& mean() const { return mean_; }
  const Variable& log_std() const { return log_std_; }

 private:
  Variable mean_, log_std_;
};

}  // namespace minidl::rl
