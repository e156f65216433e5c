// Regression losses (layer 2): input and target of the same shape, any number of dimensions.
// Each is defined in losses/regression/<name>.cpp with its formula block.
//
// Unlike PyTorch (which broadcasts with a warning) a target whose shape differs from the input's
// is an error: broadcasting [N] against [N, 1] silently trains on N^2 pairs.
//
// Which one to use, with d = x - y (input minus target):
//   mse_loss        d^2                 Gaussian noise; fits the conditional mean
//   l1_loss         |d|                 heavy-tailed noise; fits the conditional median
//   smooth_l1_loss  d^2 / 2b near 0, |d| - b/2 beyond b      (slope 1 in the tails)
//   huber_loss      d^2 / 2 near 0, delta (|d| - delta/2)     (slope delta in the tails)
//   log_cosh_loss   log cosh d          smooth everywhere: ~d^2/2 near 0, ~|d| - log 2 far out
//   quantile_loss   pinball loss        fits the q-th conditional quantile
#pragma once

#include "autograd/variable.h"
#include "losses/reduction.h"

namespace minidl::losses {

struct MseLossOptions {
  Reduction reduction = Reduction::Mean;
};
// (input - target)^2, torch.nn.functional.mse_loss.
Variable mse_loss(const Variable& input, const Variable& target,
                  const MseLossOptions& options = {});

struct L1LossOptions {
  Reduction reduction = Reduction::Mean;
};
// |input - target|, torch.nn.functional.l1_loss (subgradient 0 where input == target).
Variable l1_loss(const Variable& input, const Variable& target, const L1LossOptions& options = {});

struct SmoothL1LossOptions {
  double beta = 1.0;  // >= 0; 0 gives exactly l1_loss
  Reduction reduction = Reduction::Mean;
};
// 0.5 d^2 / beta if |d| < beta else |d| - 0.5 beta, torch.nn.functional.smooth_l1_loss.
Variable smooth_l1_loss(const Variable& input, const Variable& target,
                        const SmoothL1LossOptions& options = {});

struct HuberLossOptions {
  double delta = 1.0;  // > 0
  Reduction reduction = Reduction::Mean;
};
// 0.5 d^2 if |d| < delta else delta (|d| - 0.5 delta) = delta * smooth_l1(beta = delta),
// torch.nn.functional.huber_loss.
Variable huber_loss(const Variable& input, const Variable& target,
                    const HuberLossOptions& options = {});

struct LogCoshLossOptions {
  Reduction reduction = Reduction::Mean;
};
// log(cosh(input - target)), Keras' LogCosh (PyTorch has none).
Variable log_cosh_loss(const Variable& input, const Variable& target,
                       const LogCoshLossOptions& options = {});

struct QuantileLossOptions {
  double quantile = 0.5;  // q in (0, 1): the conditional quantile the input is pulled towards
  Reduction reduction = Reduction::Mean;
};
// Pinball loss max(q u, (q - 1) u) with u = target - input (Koenker & Bassett 1978). PyTorch
// has none.
Variable quantile_loss(const Variable& input, const Variable& target,
                       const QuantileLossOptions& options = {});

}  // namespace minidl::losses
