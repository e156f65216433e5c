// Probabilistic losses (layer 2): negative log-likelihoods and divergences between distributions.
// Each is defined in losses/probabilistic/<name>.cpp with its formula block.
//
// Shapes: input and target of the same shape, any number of dimensions (N batch first where a
// reduction needs it). gaussian_nll_loss's var is input-shaped, or one short of it (one variance
// per row: homoscedastic over the last axis), or input-shaped with a last axis of 1.
//
// Unlike PyTorch (which broadcasts input against target with a warning) a target whose shape
// differs from the input's is an error: broadcasting [N] against [N, 1] silently trains on N^2
// pairs.
#pragma once

#include "autograd/variable.h"
#include "losses/reduction.h"

namespace minidl::losses {

struct KlDivOptions {
  // 'batchmean' (sum / N) is the true KL divergence per sample; 'mean' (PyTorch's default)
  // divides by every element, i.e. by N * C as well, which PyTorch warns about.
  Reduction reduction = Reduction::Mean;
  bool log_target = false;  // target holds log-probabilities
};
// KL(target || exp(input)) pointwise, input = log-probabilities: target (log target - input),
// 0 where target = 0; torch.nn.functional.kl_div.
Variable kl_div(const Variable& input, const Variable& target, const KlDivOptions& options = {});

struct PoissonNllLossOptions {
  bool log_input = true;  // input is log(rate); false: input is the rate itself
  bool full = false;      // add the Stirling term of log(target!) where target > 1
  double eps = 1e-8;      // log(input + eps) when log_input is false
  Reduction reduction = Reduction::Mean;
};
// exp(x) - y x (log_input) or x - y log(x + eps); torch.nn.functional.poisson_nll_loss.
Variable poisson_nll_loss(const Variable& input, const Variable& target,
                          const PoissonNllLossOptions& options = {});

struct GaussianNllLossOptions {
  bool full = false;  // add the constant 0.5 log(2 pi)
  double eps = 1e-6;  // var is clamped at eps (the gradient passes the clamp unchanged)
  Reduction reduction = Reduction::Mean;
};
// 0.5 (log v + (x - y)^2 / v), v = max(var, eps); torch.nn.functional.gaussian_nll_loss.
Variable gaussian_nll_loss(const Variable& input, const Variable& target, const Variable& var,
                           const GaussianNllLossOptions& options = {});

struct ElboLossOptions {
  double kl_weight = 1.0;     // beta >= 0: 1 is the ELBO, < 1 tempers the prior
  double dataset_size = 1.0;  // M > 0: the KL is spread over the M training samples
  Reduction reduction = Reduction::Mean;
};
// Negative ELBO of a Bayesian classifier per sample: CE(x_i, y_i) + beta KL / M, for logits
// [N, C], int64 targets [N] and the 0-d KL(q || prior) (nn::bayes_kl); Blundell et al. 2015.
Variable elbo_loss(const Variable& input, const Variable& target, const Variable& kl,
                   const ElboLossOptions& options = {});

}  // namespace minidl::losses
