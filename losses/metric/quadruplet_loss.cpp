// quadruplet_loss: Chen, Chen, Zhang and Huang 2017, "Beyond triplet loss: a deep quadruplet
// network for person re-identification" (CVPR), eq. 5 (the loss with two margins), on explicit
// quadruplets (a, p, n1, n2): a and p share a class, n1 is of another class, n2 of a third one.
//
//   d(u, v) = |u - v|_2^2                    (squared Euclidean, as the paper's g^2)
//   l_t = [d(a, p) - d(a, n1) + alpha1]_+    the triplet term: pull p closer to a than n1 is
//       + [d(a, p) - d(n1, n2) + alpha2]_+   the new term: the positive pair closer than a
//                                            negative pair that does not involve the anchor
//   mean: (1/N) sum_t l_t   sum: sum_t l_t   none: l [N]
//
// The second term compares pairs with different probes, pushing the inter-class distances above
// the intra-class ones globally, not only around each anchor. The paper sets alpha2 smaller than
// alpha1 (the second constraint is a weaker one) and goes on to an adaptive margin computed
// from batch distance statistics; here both margins are fixed options with defaults
// alpha1 = 1.0, alpha2 = 0.5 (the paper's learned metric g is replaced by the embedding's squared
// Euclidean distance; normalize_embeddings L2-normalises the rows first, as in
// pytorch-metric-learning).
//
// Gradient: each active hinge (argument > 0) contributes d/dx of its distances:
//   d d(u, v)/du = 2 (u - v); the term of alpha1 moves a, p, n1 and that of alpha2 a, p, n1, n2.
// The hinge's kink (argument exactly 0) takes the subgradient 0 (relu), so a quadruplet that meets
// both margins contributes exactly 0 with zero gradients. Squared distances need no square root,
// so identical points are smooth.
//
// Shapes: anchor, positive, negative1, negative2 [N, D] floating, the same shape.
#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/metric/distance_util.h"
#include "losses/metric_proxy.h"

namespace minidl::losses {

Variable quadruplet_loss(const Variable& anchor, const Variable& positive,
                         const Variable& negative1, const Variable& negative2,
                         const QuadrupletLossOptions& o) {
  constexpr const char* kOp = "quadruplet_loss";
  check_floating(kOp, "anchor", anchor);
  check_floating(kOp, "positive", positive);
  check_floating(kOp, "negative1", negative1);
  check_floating(kOp, "negative2", negative2);
  MINIDL_CHECK(anchor.dim() == 2, kOp, ": anchor must be [N, D], got ", shape_str(anchor.shape()));
  check_same_shape(kOp, "anchor", anchor, "positive", positive);
  check_same_shape(kOp, "anchor", anchor, "negative1", negative1);
  check_same_shape(kOp, "anchor", anchor, "negative2", negative2);
  check_not_empty(kOp, "anchor", anchor);
  MINIDL_CHECK(o.alpha1 >= 0 && o.alpha2 >= 0, kOp, ": margins must be >= 0, got alpha1 ", o.alpha1,
               ", alpha2 ", o.alpha2);
  MINIDL_CHECK(o.reduction != Reduction::BatchMean, kOp,
               ": reduction must be 'none', 'mean' or 'sum'");
  auto prep = [&](const Variable& x) { return o.normalize_embeddings ? l2_normalize(x) : x; };
  const Variable a = prep(anchor), p = prep(positive), n1 = prep(negative1), n2 = prep(negative2);
  const Variable d_ap = squared_euclidean(a, p);
  const Variable first = relu(add_scalar(d_ap - squared_euclidean(a, n1), o.alpha1));
  const Variable second = relu(add_scalar(d_ap - squared_euclidean(n1, n2), o.alpha2));
  return reduce(first + second, o.reduction, kOp);
}

}  // namespace minidl::losses
