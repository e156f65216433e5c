// margin_ranking_loss: a pairwise ranking hinge, torch.nn.functional.margin_ranking_loss.
//
//   l = max(0, -y (x1 - x2) + margin),   y in {+1, -1}
// y = 1 asks for x1 > x2 + margin, y = -1 for x2 > x1 + margin: only the score difference is
// trained, so a scorer learned from pairwise preferences ranks without any absolute target
// (RankNet's setting with a hinge instead of a logistic loss). margin = 0 (PyTorch's default)
// is satisfied by any correct order; a positive margin asks for a gap.
// Gradients where the hinge is active, -y (x1 - x2) + margin >= 0:
//   d l / d x1 = -y,   d l / d x2 = y,   d l / d y = -(x1 - x2)
// and 0 where it is below 0. At the kink (exactly 0) the gradient is the active branch's, as
// PyTorch's clamp_min backward (x >= 0 passes), not relu's 0.
// Reductions: mean over all pairs, sum, none.
//
// Shapes: input1, input2 and target any one equal shape (usually [N]), floating point.
#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/ranking.h"

namespace minidl::losses {

Variable margin_ranking_loss(const Variable& input1, const Variable& input2, const Variable& target,
                             const MarginRankingLossOptions& options) {
  constexpr const char* kOp = "margin_ranking_loss";
  check_floating(kOp, "input1", input1);
  check_floating(kOp, "input2", input2);
  check_floating(kOp, "target", target);
  check_same_shape(kOp, "input1", input1, "input2", input2);
  check_same_shape(kOp, "input1", input1, "target", target);
  check_not_empty(kOp, "input1", input1);
  check_sign_labels(kOp, "target", target);
  return reduce(clamp(-target * (input1 - input2) + options.margin, 0.0, std::nullopt),
                options.reduction, kOp);
}

}  // namespace minidl::losses
