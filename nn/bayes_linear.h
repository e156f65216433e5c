// BayesLinear: a fully connected layer with a Gaussian distribution over its weights, trained by
// Bayes by backprop (Blundell, Cornebise, Kavukcuoglu and Wierstra, ICML 2015).
//
//   q(w) = prod_j N(w_j | mu_j, sigma_j^2),   sigma = softplus(rho) = log(1 + e^rho)
//   training: w = mu + sigma * eps,  eps ~ N(0, 1)   (the reparameterisation trick: a fresh
//             sample at every call, gradients flow to mu and rho through w)
//   eval:     w = mu                                   (the posterior mean)
//   y = x W^T + b, with W and b both drawn this way
// Parameters: "weight_mu", "weight_rho" [out, in], "bias_mu", "bias_rho" [out]. rho, not sigma,
// is trained so that sigma stays positive without a constraint.
// kl() is KL(q || p) against the prior p(w) = N(0, prior_sigma^2) per weight, in closed form:
//   KL = sum_j [ log(prior_sigma / sigma_j) + (sigma_j^2 + mu_j^2) / (2 prior_sigma^2) - 1/2 ]
// (Blundell et al. use a scale-mixture prior and a Monte Carlo KL; the single Gaussian gives the
// exact KL and a lower-variance gradient). The training loss is the negative ELBO,
// losses::elbo_loss(logits, y, bayes_kl(model), {.dataset_size = N}).
// Init: mu as nn::Linear (PyTorch's default), rho = rho_init (sigma = softplus(-5) = 0.0067:
// training starts close to a deterministic network).
// The noise comes from a generator owned by the layer (as Dropout's masks), registered as
// "generator" so checkpoints resume exactly. Use nn::mc_predict for predictions that average
// over weight samples.
//
// Shapes: x [..., in_features] -> y [..., out_features].
#pragma once

#include <cstdint>

#include "nn/module.h"

namespace minidl::nn {

struct BayesLinearOptions {
  double prior_sigma = 1.0;  // standard deviation of the N(0, prior_sigma^2) prior, > 0
  double rho_init = -5.0;    // initial rho of every weight and bias
};

class BayesLinear : public Module {
 public:
  BayesLinear(std::int64_t in_features, std::int64_t out_features, Generator& gen,
              const BayesLinearOptions& options = {});

  Variable forward(const Variable& input) override;
  std::string extra_repr() const override;
  // KL(q || prior) summed over weights and biases: a 0-d Variable, differentiable in mu and rho.
  Variable kl() const;

  std::int64_t in_features() const { return in_features_; }
  std::int64_t out_features() const { return out_features_; }
  double prior_sigma() const { return prior_sigma_; }
  Generator& generator() { return gen_; }

 private:
  std::int64_t in_features_, out_features_;
  double prior_sigma_;
  Generator gen_;
  Variable *weight_mu_, *weight_rho_, *bias_mu_, *bias_rho_;
};

// The sum of kl() over every BayesLinear in `model` (0 when there is none): the KL term of the
// ELBO for a whole network.
Variable bayes_kl(const Module& model);

}  // namespace minidl::nn
