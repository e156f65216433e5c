// Weight penalties (layer 2): terms added to a data loss to prefer small (L2) or sparse (L1)
// weights. Each is defined in losses/regularization/<name>.cpp with its formula block.
//
//   auto total = losses::cross_entropy(logits, y) + losses::l2_penalty(weights, {.l2 = 5e-4});
//
// Input: the parameters to penalise, any number of floating tensors of any shapes (usually the
// weight matrices only, not biases or norm parameters: optim::skips_decay names the usual rule).
// Output: a scalar. The strength is a plain multiplier named as Keras' regularizers name it
// (keras.regularizers.L1(l1), L2(l2): l1 * sum|w| and l2 * sum w^2, no 1/2 factor), but defaults to
// 1 here, so that a bare call is the norm itself and the weight can live in a losses::WeightedSum
// (losses/composition.h) where it can change during training.
//
// Penalty or optimizer decay? The optimizers (optim/optimizer.h) apply the same pulls without a
// loss term: weight_decay = wd adds wd * w to the gradient, which is exactly the gradient of
// l2_penalty with l2 = wd / 2, and l1_decay = c adds c * sign(w), the gradient of l1_penalty with
// l1 = c. Use the penalty when its value should be logged, scheduled or mixed with other terms.
#pragma once

#include <vector>

#include "autograd/variable.h"

namespace minidl::losses {

struct L1PenaltyOptions {
  double l1 = 1.0;  // the multiplier (Keras' l1; Keras' default is 0.01)
};
// l1 * sum over params of sum |w| (Keras' L1 regularizer). Subgradient 0 at w = 0.
Variable l1_penalty(const std::vector<Variable>& params, const L1PenaltyOptions& options = {});

struct L2PenaltyOptions {
  double l2 = 1.0;  // the multiplier (Keras' l2; Keras' default is 0.01)
};
// l2 * sum over params of sum w^2 (Keras' L2 regularizer); equals optimizer weight_decay = 2 l2.
Variable l2_penalty(const std::vector<Variable>& params, const L2PenaltyOptions& options = {});

}  // namespace minidl::losses
