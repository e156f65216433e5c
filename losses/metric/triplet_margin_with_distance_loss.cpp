// triplet_margin_with_distance_loss: torch.nn.functional.triplet_margin_with_distance_loss, the
// margin triplet loss with a distance of the caller's choice.
//
//   l_i = [d(a_i, p_i) - d_neg_i + margin]_+,   d_neg = d(a, n), or with swap min(d(a, n), d(p, n))
//   mean: (1/N) sum_i l_i   sum: sum_i l_i   none: l [N]
//
// d maps two [N, D] tensors to N distances (any non-negative, "larger = farther" function;
// a similarity must be turned into a distance first, e.g. 1 - cos). Default: pairwise_distance
// (p = 2, eps = 1e-6), which makes this loss equal to triplet_margin_loss with its defaults. The
// registry offers the default ("pairwise") and cosine_distance ("cosine": 1 - cosine_similarity,
// eps 1e-8, PyTorch's own documentation example) through the string parameter `distance`.
//
// Gradient: dl/da = [l >= 0] (grad_a d(a, p) - grad_a d_neg) and likewise for p and n; the hinge
// at exactly 0 passes the gradient (PyTorch's clamp(min=0)), a swap tie splits it evenly
// (torch.min of two tensors). The gradient of d is whatever d's own ops give.
//
// PyTorch 1.13 checks neither margin nor shapes here (its distance function would); this
// version requires equal shapes, [N, D] or [D], and a non-negative margin, as PyTorch's module
// documents it.
//
// Shapes: anchor, positive, negative [N, D] or [D], floating point.
#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/metric.h"

namespace minidl::losses {

Variable cosine_distance(const Variable& a, const Variable& b) {
  return sub(1.0, cosine_similarity(a, b));
}

Variable triplet_margin_with_distance_loss(const Variable& anchor, const Variable& positive,
                                           const Variable& negative,
                                           const TripletMarginWithDistanceLossOptions& o) {
  constexpr const char* kOp = "triplet_margin_with_distance_loss";
  check_floating(kOp, "anchor", anchor);
  check_floating(kOp, "positive", positive);
  check_floating(kOp, "negative", negative);
  check_same_shape(kOp, "anchor", anchor, "positive", positive);
  check_same_shape(kOp, "anchor", anchor, "negative", negative);
  MINIDL_CHECK(anchor.dim() == 1 || anchor.dim() == 2, kOp, ": inputs must be [N, D] or [D], got ",
               shape_str(anchor.shape()));
  check_not_empty(kOp, "anchor", anchor);
  MINIDL_CHECK(o.margin >= 0, kOp, ": margin must be >= 0, got ", o.margin);
  MINIDL_CHECK(o.reduction != Reduction::BatchMean, kOp,
               ": reduction must be 'none', 'mean' or 'sum'");

  const DistanceFunction d =
      o.distance_function ? o.distance_function : [](const Variable& u, const Variable& v) {
        return pairwise_distance(u, v);
      };
  auto prep = [&](const Variable& x) { return o.normalize_embeddings ? l2_normalize(x) : x; };
  const Variable a = prep(anchor), p = prep(positive), n = prep(negative);
  Variable d_pos = d(a, p);
  Variable d_neg = d(a, n);
  if (o.swap) d_neg = minimum(d_neg, d(p, n));
  MINIDL_CHECK(d_pos.shape() == d_neg.shape(), kOp, ": the distance function returned shapes ",
               shape_str(d_pos.shape()), " and ", shape_str(d_neg.shape()));
  Variable loss = clamp(add(sub(d_pos, d_neg), o.margin), 0.0, std::nullopt);
  return reduce(loss, o.reduction, kOp);
}

}  // namespace minidl::losses
