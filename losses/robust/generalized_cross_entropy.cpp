// generalized_cross_entropy: the L_q loss of Zhang & Sabuncu, "Generalized Cross Entropy Loss for
// Training Deep Neural Networks with Noisy Labels", NeurIPS 2018 (arXiv:1805.07836).
//
//   p = softmax(z_n) over the C classes,  y = y_n the (possibly wrong) label
//   l_n = (1 - p_y^q) / q,      q in (0, 1]   (the paper's experiments use q = 0.7)
//   mean: sum_n l_n / #(n not ignored)   sum: sum_n l_n   none: l [N], 0 where y_n = ignore_index
//
// The two ends (the paper's reading, by L'Hopital's rule for q -> 0):
//   q -> 0:  (1 - e^{q log p_y}) / q -> -log p_y        cross entropy
//   q = 1:   1 - p_y = ||e_y - p||_1 / 2                 MAE on the probabilities, halved
// so q trades cross entropy's fast learning for MAE's robustness to wrong labels.
//
// Gradient: d l_n / d z_k = -p_y^q (delta_yk - p_k), i.e. cross entropy's gradient (p - e_y)
// weighted by p_y^q. Cross entropy's weight is 1; here a sample the model finds implausible (small
// p_y, often a wrong label) is down-weighted, which is where the robustness comes from.
//
// Stability: p_y^q = exp(q log_softmax(z)_y) (never a power of a softmax that may underflow to 0,
// whose derivative p^{q-1} would be infinite), and 1 - e^u is computed as -expm1(u), exact when
// p_y is close to 1. Logits of +-1e4 give l = 1/q or 0 and a finite (zero) gradient.
//
// Shapes: input [N, C] logits, target int64 [N]. PyTorch has no such loss; the symmetric-CE
// authors' code (YisenWang/symmetric_cross_entropy_for_noisy_labels, loss.py) computes it as
// (1 - sum(onehot * softmax)^q) / q, the same value.
#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/robust.h"
#include "losses/robust/target_log_prob_util.h"
#include "tensor/error.h"

namespace minidl::losses {

Variable generalized_cross_entropy(const Variable& input, const Variable& target,
                                   const GeneralizedCrossEntropyOptions& options) {
  constexpr const char* kOp = "generalized_cross_entropy";
  const double q = options.q;
  MINIDL_CHECK(q > 0.0 && q <= 1.0, kOp, ": q must be in (0, 1], got ", q);
  const robust::TargetLogProb t = robust::target_log_prob(kOp, input, target, options.ignore_index);
  const Variable per_sample = mul_scalar(expm1(mul_scalar(t.log_p, q)), -1.0 / q);
  return robust::reduce_counted(kOp, per_sample, t, options.reduction);
}

}  // namespace minidl::losses
