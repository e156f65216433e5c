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
//
// Robust to group shift (the second part, below): when the data comes from groups (a sensitive
// attribute, or a spurious attribute crossed with the label) of very different sizes, the
// average loss is ruled by the large groups and the model may fail on a small one.
// group_reweighted_loss weights each group to equal mass; group_dro_loss minimises the worst
// group's loss (Sagawa et al. 2020). Both take an extra int64 input `group` [N] in [0, G).
// metrics/fairness.h measures the outcome (worst-group accuracy, parity gaps).
#pragma once

#include <cstdint>
#include <vector>

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

// ---------------------------------------------------------------- group shift

struct GroupReweightedLossOptions {
  std::vector<double> group_counts{};     // n_g of the training set, one per group (all > 0)
  Reduction reduction = Reduction::Mean;  // mean = (1/N) sum_i w_{a_i} CE_i
};
// w_{a_i} CE(x_i, y_i), w_g = n / (G n_g): every group carries the same total weight (importance
// weighting to a uniform group distribution). Logits [N, C], target and group int64 [N].
Variable group_reweighted_loss(const Variable& input, const Variable& target, const Variable& group,
                               const GroupReweightedLossOptions& options);

struct GroupDroLossOptions {
  // q_g before this step, one per group (>= 0, not all 0; normalised here). G = its size.
  std::vector<double> group_weights{};
  double step_size = 0.01;  // eta_q >= 0 of the exponentiated-gradient ascent on q
};
// Online group DRO (Sagawa, Koh, Hashimoto and Liang, ICLR 2020, Algorithm 1): with L_g the mean
// cross-entropy of group g in the batch, q' = normalise(q_g exp(eta L_g)), loss = sum_g q'_g L_g.
// A 0-d loss. To carry q from step to step use GroupDro below.
Variable group_dro_loss(const Variable& input, const Variable& target, const Variable& group,
                        const GroupDroLossOptions& options);

// The step of group_dro_loss on q, in log space: q'_g = q_g e^{eta L_g} / sum_k q_k e^{eta L_k}.
std::vector<double> group_dro_update(const std::vector<double>& group_weights,
                                     const std::vector<double>& group_losses, double step_size);

// group_dro_loss with its q kept between calls (uniform at the start), as Sagawa et al.'s
// LossComputer: loss = dro(logits, y, a) each step; weights() is q after the last step. Every
// call moves q: call it on training batches only (a validation pass would move q too).
class GroupDro {
 public:
  GroupDro(std::int64_t num_groups, double step_size = 0.01);
  Variable operator()(const Variable& input, const Variable& target, const Variable& group);
  const std::vector<double>& weights() const { return q_; }

 private:
  std::vector<double> q_;
  double step_size_;
};

}  // namespace minidl::losses
