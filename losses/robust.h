// Noise-robust classification losses (layer 2): drop-in replacements for cross entropy when some
// training labels are wrong. Each is defined in losses/robust/<name>.cpp with its formula block.
//
// Shapes: input logits [N, C] (floating point), target int64 class indices [N] in [0, C) or equal
// to ignore_index. Both take logits, like cross_entropy, and work from log_softmax for stability.
// Reductions: None gives the per-sample loss [N] (0 at ignored samples, as PyTorch's
// cross_entropy); Mean divides the sum by the number of samples not ignored; Sum sums.
//
// Why they help: cross entropy's gradient on a sample scales with 1 / p_y, so the samples the model
// finds least plausible (often the mislabeled ones) pull hardest, and the network memorises the
// noise. Bounded losses such as MAE (1 - p_y up to a factor) weigh every sample alike and are
// noise-tolerant under symmetric noise (Ghosh, Kumar, Sastry, AAAI 2017), but train slowly. Both
// losses here sit between the two.
#pragma once

#include <cstdint>

#include "autograd/variable.h"
#include "losses/reduction.h"

namespace minidl::losses {

struct GeneralizedCrossEntropyOptions {
  double q = 0.7;  // in (0, 1]: q -> 0 gives cross entropy, q = 1 gives 1 - p_y (MAE / 2)
  std::int64_t ignore_index = -100;
  Reduction reduction = Reduction::Mean;
};
// (1 - p_y^q) / q, the L_q loss of Zhang & Sabuncu, NeurIPS 2018.
Variable generalized_cross_entropy(const Variable& input, const Variable& target,
                                   const GeneralizedCrossEntropyOptions& options = {});

struct SymmetricCrossEntropyOptions {
  double alpha = 0.1;  // weight of cross entropy (the paper's CIFAR-10 setting)
  double beta = 1.0;   // weight of reverse cross entropy
  // A in the paper: the value given to log 0 in the reverse term, < 0. The paper uses -4; the
  // authors' code clamps the one-hot target at 1e-4, i.e. log_zero = log(1e-4) = -9.2103.
  double log_zero = -4.0;
  std::int64_t ignore_index = -100;
  Reduction reduction = Reduction::Mean;
};
// alpha CE + beta RCE, RCE = -log_zero (1 - p_y) (Wang et al., ICCV 2019).
Variable symmetric_cross_entropy(const Variable& input, const Variable& target,
                                 const SymmetricCrossEntropyOptions& options = {});

}  // namespace minidl::losses
