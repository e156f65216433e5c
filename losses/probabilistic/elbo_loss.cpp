// elbo_loss: the negative evidence lower bound of a Bayesian classifier (variational inference;
// Bayes by backprop, Blundell et al. ICML 2015, eq. 2 and the minibatch weighting of sec. 3.4).
//
//   ELBO = E_q[log p(D | w)] - KL(q(w) || p(w))   over a training set D of M samples
//   -ELBO / M = (1/M) sum_{i in D} -log p(y_i | x_i, w)  +  KL / M
// estimated on a minibatch of N samples with one weight sample w ~ q (the forward pass drew it):
//   l_i = CE(x_i, y_i) + beta KL / M,   CE = -log softmax(x_i)_{y_i}
//   mean: (1/N) sum_i l_i = mean CE + beta KL / M     sum: sum_i CE + N beta KL / M
// x = input logits [N, C], y = target class indices [N], KL = kl (a 0-d tensor, e.g.
// nn::bayes_kl(model)), M = dataset_size, beta = kl_weight (1 is the true ELBO; < 1 tempers the
// prior, the "KL annealing" or cold-posterior knob). Spreading the KL over the M samples of an
// epoch (each minibatch carries N / M of it) makes an epoch's summed loss the full -ELBO.
// Gradients: d l_i / d x_i = softmax(x_i) - onehot(y_i), d mean / d KL = beta / M.
// Stability: cross_entropy's log-sum-exp. No PyTorch function: the fixture writes the formula
// in torch ops (F.cross_entropy + beta kl / M).
//
// Shapes: input [N, C] floating, target int64 [N] in [0, C), kl 0-d of input's dtype.
#include <cmath>
#include <limits>

#include "autograd/functional.h"
#include "losses/classification.h"
#include "losses/probabilistic.h"
#include "tensor/ops.h"

namespace minidl::losses {

Variable elbo_loss(const Variable& input, const Variable& target, const Variable& kl,
                   const ElboLossOptions& options) {
  constexpr const char* kOp = "elbo_loss";
  check_floating(kOp, "input", input);
  check_int64(kOp, "target", target);
  check_floating(kOp, "kl", kl);
  MINIDL_CHECK(input.dim() == 2, kOp, ": input must be [N, C] logits, got ",
               shape_str(input.shape()));
  check_not_empty(kOp, "input", input);
  MINIDL_CHECK(target.dim() == 1 && target.size(0) == input.size(0), kOp, ": target ",
               shape_str(target.shape()), " must be [", input.size(0), "] for input ",
               shape_str(input.shape()));
  MINIDL_CHECK(kl.dim() == 0, kOp, ": kl must be 0-d (the summed KL), got ", shape_str(kl.shape()));
  MINIDL_CHECK(std::isfinite(kl.item()), kOp, ": kl must be finite, got ", kl.item());
  MINIDL_CHECK(options.dataset_size > 0 && std::isfinite(options.dataset_size), kOp,
               ": dataset_size must be finite and > 0, got ", options.dataset_size);
  MINIDL_CHECK(options.kl_weight >= 0 && std::isfinite(options.kl_weight), kOp,
               ": kl_weight must be finite and >= 0, got ", options.kl_weight);
  MINIDL_CHECK(options.reduction != Reduction::BatchMean, kOp,
               ": reduction 'batchmean' is only for kl_div");
  check_labels(kOp, target.value(), input.size(1), std::numeric_limits<std::int64_t>::min());
  const Variable nll = cross_entropy(input, target, {.reduction = Reduction::None});
  const Variable kl_share = kl * (options.kl_weight / options.dataset_size);
  return reduce(nll + kl_share, options.reduction, kOp);
}

}  // namespace minidl::losses
