// triplet_margin_loss: torch.nn.functional.triplet_margin_loss (Balntas, Riba, Ponsa and
// Mikolajczyk 2016, "Learning local feature descriptors with triplets and shallow convolutional
// neural networks"; the margin triplet of Weinberger and Saul, Schroff et al.).
//
//   d(u, v) = |u - v + eps|_p            (pairwise_distance: eps added to every component)
//   d_neg   = d(a, n), or with swap min(d(a, n), d(p, n))   (the "distance swap")
//   l_i     = [margin + d(a_i, p_i) - d_neg_i]_+
//   mean: (1/N) sum_i l_i   sum: sum_i l_i   none: l [N] (0-d for 1-D inputs)
//
// Distances are NOT squared (unlike FaceNet's); eps keeps the difference away from the norm's
// kink at 0, which identical anchor and positive would otherwise hit.
// Gradient: dl/da = [l > 0] (grad_a d(a, p) - grad_a d_neg), with grad_u |w|_2 = w / |w|.
// Subgradients as PyTorch: the hinge at exactly 0 passes the gradient (clamp_min's mask is
// x >= 0); a swap tie d(a, n) == d(p, n) splits the gradient evenly between the two (minimum);
// a zero difference vector gets gradient 0 (norm).
//
// Shapes: anchor, positive, negative [N, D] or [D], equal shapes, floating point. PyTorch 1.13
// accepts a negative margin and broadcasts shapes; here margin >= 0 and equal shapes are required.
#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/metric.h"

namespace minidl::losses {

Variable triplet_margin_loss(const Variable& anchor, const Variable& positive,
                             const Variable& negative, const TripletMarginLossOptions& o) {
  constexpr const char* kOp = "triplet_margin_loss";
  check_floating(kOp, "anchor", anchor);
  check_floating(kOp, "positive", positive);
  check_floating(kOp, "negative", negative);
  check_same_shape(kOp, "anchor", anchor, "positive", positive);
  check_same_shape(kOp, "anchor", anchor, "negative", negative);
  MINIDL_CHECK(anchor.dim() == 1 || anchor.dim() == 2, kOp, ": inputs must be [N, D] or [D], got ",
               shape_str(anchor.shape()));
  check_not_empty(kOp, "anchor", anchor);
  MINIDL_CHECK(o.margin >= 0, kOp, ": margin must be >= 0, got ", o.margin);
  MINIDL_CHECK(o.p > 0, kOp, ": p must be > 0, got ", o.p);
  MINIDL_CHECK(o.reduction != Reduction::BatchMean, kOp,
               ": reduction must be 'none', 'mean' or 'sum'");

  auto prep = [&](const Variable& x) { return o.normalize_embeddings ? l2_normalize(x) : x; };
  const Variable a = prep(anchor), p = prep(positive), n = prep(negative);
  Variable d_pos = pairwise_distance(a, p, o.p, o.eps);
  Variable d_neg = pairwise_distance(a, n, o.p, o.eps);
  if (o.swap) d_neg = minimum(d_neg, pairwise_distance(p, n, o.p, o.eps));
  Variable loss = clamp(sub(add(d_pos, o.margin), d_neg), 0.0, std::nullopt);
  return reduce(loss, o.reduction, kOp);
}

}  // namespace minidl::losses
