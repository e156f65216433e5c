// symmetric_cross_entropy: Wang, Ma, Chen, Luo, Yi, Bailey, "Symmetric Cross Entropy for Robust
// Learning with Noisy Labels", ICCV 2019 (arXiv:1908.06112).
//
//   p = softmax(z_n), q = e_y the one-hot (possibly wrong) label
//   CE  = -sum_c q_c log p_c = -log p_y
//   RCE = -sum_c p_c log q_c   with log 0 := A (A = log_zero < 0), log 1 = 0
//       = -A sum_{c != y} p_c = -A (1 - p_y)
//   l_n = alpha CE + beta RCE
//   mean: sum_n l_n / #(n not ignored)   sum: sum_n l_n   none: l [N], 0 where y_n = ignore_index
//
// RCE is a scaled MAE on the probabilities (|A| (1 - p_y) = |A| ||e_y - p||_1 / 2), which is
// noise-tolerant; CE keeps learning fast on the hard classes. The paper's CIFAR-10 setting is
// alpha = 0.1, beta = 1.0 (the defaults here).
//
// The value of A: the paper sets A = -4 (the default). The authors' Keras code
// (YisenWang/symmetric_cross_entropy_for_noisy_labels, loss.py) and the PyTorch reproduction they
// link (HanxunH/SCELoss-Reproduce, loss.py) instead clamp the one-hot at 1e-4 before the log, i.e.
// A = log(1e-4) = -9.2103; pass log_zero = -9.2103 to match that code. Only the product beta * A
// matters, so the choice only rescales the RCE term. Their code also clamps p at 1e-7 inside both
// logs; this function does not (CE uses log_softmax exactly, as PyTorch's cross_entropy).
//
// Gradient: d l_n / d z_k = alpha (p_k - delta_yk) + beta A p_y (delta_yk - p_k)
//                         = (alpha - beta A p_y) (p_k - delta_yk)
// (A < 0, so the RCE part adds a weight growing with p_y: confident samples keep being pushed.)
//
// Stability: log p_y is log_softmax (log-sum-exp); 1 - p_y = -expm1(log p_y), exact near p_y = 1.
// Logits of +-1e4 give a finite loss and gradient.
//
// Shapes: input [N, C] logits, target int64 [N]. PyTorch has no such loss.
#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/robust.h"
#include "losses/robust/target_log_prob_util.h"
#include "tensor/error.h"

namespace minidl::losses {

Variable symmetric_cross_entropy(const Variable& input, const Variable& target,
                                 const SymmetricCrossEntropyOptions& options) {
  constexpr const char* kOp = "symmetric_cross_entropy";
  const double alpha = options.alpha, beta = options.beta, a = options.log_zero;
  MINIDL_CHECK(alpha >= 0.0 && beta >= 0.0, kOp, ": alpha and beta must be >= 0, got alpha ", alpha,
               ", beta ", beta);
  MINIDL_CHECK(a < 0.0, kOp, ": log_zero (A, the value of log 0) must be < 0, got ", a);
  const robust::TargetLogProb t = robust::target_log_prob(kOp, input, target, options.ignore_index);
  const Variable ce = neg(t.log_p);
  const Variable one_minus_p = neg(expm1(t.log_p));
  const Variable per_sample = mul_scalar(ce, alpha) + mul_scalar(one_minus_p, -beta * a);
  return robust::reduce_counted(kOp, per_sample, t, options.reduction);
}

}  // namespace minidl::losses
