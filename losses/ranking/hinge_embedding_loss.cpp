// hinge_embedding_loss: a pair loss on a distance, torch.nn.functional.hinge_embedding_loss.
//
//   l = x                      y = 1   (similar pair: pull the distance to 0)
//   l = max(0, margin - x)     y = -1  (dissimilar pair: push it out to at least margin)
// x is usually a distance between two embeddings (L1 or L2, computed by the caller), so x >= 0
// and the loss is the margin-based contrastive loss of Hadsell et al. 2006 without the squares.
// Gradients:
//   d l / d x = 1 (y = 1);  -1 where margin - x >= 0, 0 elsewhere (y = -1)
// At the kink x = margin the gradient is -1, as PyTorch's clamp_min backward (x >= 0 passes).
// The label only selects a branch: no gradient flows to target (PyTorch's too).
// Reductions: mean over all elements, sum, none.
//
// Shapes: input and target any equal shape, floating point.
#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/ranking.h"
#include "tensor/ops.h"

namespace minidl::losses {

Variable hinge_embedding_loss(const Variable& input, const Variable& target,
                              const HingeEmbeddingLossOptions& options) {
  constexpr const char* kOp = "hinge_embedding_loss";
  check_floating(kOp, "input", input);
  check_floating(kOp, "target", target);
  check_same_shape(kOp, "input", input, "target", target);
  check_not_empty(kOp, "input", input);
  check_sign_labels(kOp, "target", target);
  const Variable push = clamp(options.margin - input, 0.0, std::nullopt);
  return reduce(where(eq(target.value(), 1.0), input, push), options.reduction, kOp);
}

}  // namespace minidl::losses
