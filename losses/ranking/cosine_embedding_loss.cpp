// cosine_embedding_loss: a pair loss on the cosine similarity of two embeddings,
// torch.nn.functional.cosine_embedding_loss.
//
//   c = <x1, x2> / sqrt((|x1|^2 + e) (|x2|^2 + e)),   e = float(1e-12) = 9.99999996e-13
// (PyTorch's EPSILON, a C++ float constant in ATen's Loss.cpp: its float32 rounding shows in
// the gradient of a zero vector at 1e-9 relative, so it is copied exactly)
//   l = 1 - c                    y = 1   (similar pair: align the directions)
//   l = max(0, c - margin)       y = -1  (dissimilar: cosine at most margin)
// Only directions are trained, not lengths: the usual choice for embeddings compared by cosine
// (face or text retrieval). e is added to each squared norm, as PyTorch 1.13's ATen code does,
// so a zero vector gives c = 0 and a finite (large, ~|x2| / sqrt(e |x2|^2)) gradient, not NaN.
// Gradients (n1 = |x1|^2 + e, n2 = |x2|^2 + e, p = <x1, x2>):
//   d c / d x1 = x2 / sqrt(n1 n2) - c x1 / n1,   symmetric for x2
//   d l / d x = -d c / d x (y = 1);  d c / d x where c - margin >= 0, 0 elsewhere (y = -1)
// At the kink c = margin the gradient is d c / d x, as PyTorch's clamp_min backward. The label
// only selects a branch: no gradient flows to target.
// Reductions: mean over the N pairs, sum, none.
//
// Shapes: input1, input2 [N, D] with target [N] (output [N] for none), or [D] with a 0-d target
// (a 0-d output), floating point.
#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/ranking.h"
#include "tensor/ops.h"

namespace minidl::losses {

Variable cosine_embedding_loss(const Variable& input1, const Variable& input2,
                               const Variable& target, const CosineEmbeddingLossOptions& options) {
  constexpr const char* kOp = "cosine_embedding_loss";
  constexpr double kEpsilon = static_cast<double>(1e-12f);
  check_floating(kOp, "input1", input1);
  check_floating(kOp, "input2", input2);
  check_floating(kOp, "target", target);
  check_same_shape(kOp, "input1", input1, "input2", input2);
  MINIDL_CHECK(target.dim() <= 1, kOp, ": target must be [N] or 0-d, got ",
               shape_str(target.shape()));
  const std::int64_t axis = target.dim();  // the feature axis
  MINIDL_CHECK(input1.dim() == axis + 1, kOp, ": a ", target.dim() == 1 ? "[N]" : "0-d",
               " target needs ", target.dim() == 1 ? "[N, D]" : "[D]", " inputs, got input1 ",
               shape_str(input1.shape()));
  MINIDL_CHECK(axis == 0 || target.size(0) == input1.size(0), kOp, ": target ",
               shape_str(target.shape()), " and input1 ", shape_str(input1.shape()),
               " must have the same N");
  check_not_empty(kOp, "input1", input1);
  check_sign_labels(kOp, "target", target);
  const Variable dot = sum(input1 * input2, {axis});
  const Variable n1 = sum(input1 * input1, {axis}) + kEpsilon;
  const Variable n2 = sum(input2 * input2, {axis}) + kEpsilon;
  const Variable cos = dot / sqrt(n1 * n2);
  const Variable pull = 1.0 - cos;
  const Variable push = clamp(cos - options.margin, 0.0, std::nullopt);
  return reduce(where(eq(target.value(), 1.0), pull, push), options.reduction, kOp);
}

}  // namespace minidl::losses
