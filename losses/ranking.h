// Ranking and pair losses (layer 2): a score or similarity per pair and a label y = +1 / -1 saying
// which way it should go. Each is defined in losses/ranking/<name>.cpp with its formula block.
//
// Shapes: N pairs, D embedding size. Labels are floating -1 / +1 (any other value is an error;
// PyTorch does not check and silently treats, say, 0 as neither class). Every hinge here has the
// subgradient of PyTorch's clamp_min at its kink: the active branch's (the gradient passes when
// the hinge argument is exactly 0).
#pragma once

#include "autograd/variable.h"
#include "losses/reduction.h"

namespace minidl::losses {

struct MarginRankingLossOptions {
  double margin = 0.0;
  Reduction reduction = Reduction::Mean;
};
// max(0, -y (x1 - x2) + margin): x1 should outrank x2 when y = 1, x2 when y = -1;
// torch.nn.functional.margin_ranking_loss. input1, input2 and target share one shape.
Variable margin_ranking_loss(const Variable& input1, const Variable& input2, const Variable& target,
                             const MarginRankingLossOptions& options = {});

struct HingeEmbeddingLossOptions {
  double margin = 1.0;
  Reduction reduction = Reduction::Mean;
};
// x if y = 1, max(0, margin - x) if y = -1, for x a distance (small for similar pairs);
// torch.nn.functional.hinge_embedding_loss. input and target share one shape.
Variable hinge_embedding_loss(const Variable& input, const Variable& target,
                              const HingeEmbeddingLossOptions& options = {});

struct CosineEmbeddingLossOptions {
  double margin = 0.0;  // PyTorch suggests 0 to 0.5
  Reduction reduction = Reduction::Mean;
};
// 1 - cos(x1, x2) if y = 1, max(0, cos(x1, x2) - margin) if y = -1;
// torch.nn.functional.cosine_embedding_loss. input1, input2 [N, D] with target [N], or [D] with
// a 0-d target.
Variable cosine_embedding_loss(const Variable& input1, const Variable& input2,
                               const Variable& target,
                               const CosineEmbeddingLossOptions& options = {});

}  // namespace minidl::losses
