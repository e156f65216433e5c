// group_reweighted_loss: cross-entropy with each sample weighted by the inverse size of its group,
// so that every group carries the same total weight (importance weighting from the training
// group distribution to the uniform one; the "reweighting" baseline of Sagawa et al. ICLR 2020
// and of Idrissi et al. CLeaR 2022, "Simple data balancing achieves competitive worst-group
// accuracy").
//
// Groups a_i in [0, G) with training-set sizes n_g, n = sum_g n_g:
//   w_g = n / (G n_g)          (so sum_g n_g w_g = n: the average weight over the training set is
//                               1 and the loss keeps the scale of plain cross-entropy)
//   l_i = w_{a_i} CE(x_i, y_i),   CE = -log softmax(x_i)_{y_i}
//   mean: (1/N) sum_i l_i   (not sum w l / sum w: on a batch drawn from the training
//         distribution the weights average to 1, and dividing by N keeps each batch's weight
//         mass, as class_balanced_loss does)     sum: sum_i l_i     none: l [N]
// The weights are constants: d l_i / d x_i = w_{a_i} (softmax(x_i) - onehot(y_i)).
// Compared with group DRO it needs the group counts up front and fixes the weights; DRO adapts
// them to the groups' current losses. No PyTorch function; the fixture writes the formula in
// torch ops.
//
// Shapes: input [N, C] logits, target int64 [N] in [0, C), group int64 [N] in [0, G),
// group_counts G values > 0.
#include <cmath>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/classification.h"
#include "losses/robust.h"
#include "losses/robust/group_util.h"
#include "tensor/ops.h"

namespace minidl::losses {

Variable group_reweighted_loss(const Variable& input, const Variable& target, const Variable& group,
                               const GroupReweightedLossOptions& options) {
  constexpr const char* kOp = "group_reweighted_loss";
  const std::vector<double>& counts = options.group_counts;
  MINIDL_CHECK(!counts.empty(), kOp, ": group_counts is empty; give n_g for each group");
  double total = 0;
  for (std::size_t g = 0; g < counts.size(); ++g) {
    MINIDL_CHECK(counts[g] > 0 && std::isfinite(counts[g]), kOp, ": group_counts[", g, "] is ",
                 counts[g], "; every group needs at least one training sample");
    total += counts[g];
  }
  const auto num_groups = static_cast<std::int64_t>(counts.size());
  check_group_inputs(kOp, input, target, group, num_groups);
  MINIDL_CHECK(options.reduction != Reduction::BatchMean, kOp,
               ": reduction 'batchmean' is only for kl_div");
  std::vector<double> w(counts.size());
  for (std::size_t g = 0; g < counts.size(); ++g)
    w[g] = total / (static_cast<double>(num_groups) * counts[g]);
  const Tensor w_i = index_select(from_vector(w).to(input.dtype()), 0, group.value());
  const Variable loss =
      cross_entropy(input, target, {.reduction = Reduction::None}) * Variable(w_i);
  if (options.reduction == Reduction::Mean)
    return mul_scalar(sum(loss), 1.0 / static_cast<double>(input.size(0)));
  return reduce(loss, options.reduction, kOp);
}

}  // namespace minidl::losses
