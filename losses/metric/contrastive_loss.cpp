// contrastive_loss: Hadsell, Chopra and LeCun 2006, "Dimensionality Reduction by Learning an
// Invariant Mapping" (eq. 4), on explicit pairs.
//
//   D_i = |x1_i - x2_i|_2,  t_i = 1 similar, 0 dissimilar
//   squared (default, the paper):  l_i = t_i 1/2 D_i^2 + (1 - t_i) 1/2 [m - D_i]_+^2
//   plain   (squared = false):     l_i = t_i D_i       + (1 - t_i) [m - D_i]_+
//   mean: (1/N) sum_i l_i   sum: sum_i l_i   none: l [N]
//
// Balancing (balanced, positive_weight w+, negative_weight w-): every term is scaled by its
// pair's weight (none, sum and mean alike), and the balanced mean averages each set by its own
// count,
//   balanced mean: w+ (1/|P|) sum_{i in P} l_i + w- (1/|N|) sum_{i in N} l_i   (empty set: 0)
// so that 224 similar pairs count as much as 1,792 dissimilar ones. This is how
// pytorch-metric-learning reduces ContrastiveLoss (pos_loss and neg_loss reduced separately,
// then added; its default AvgNonZeroReducer also drops zero terms from each count, which this
// does not). The counts are constants of the batch (no gradient flows through them).
//
// The paper writes Y = 0 for similar pairs; here target 1 means similar (as the issue and
// pytorch-metric-learning's positive pairs), so t = 1 - Y. The plain form is
// pytorch-metric-learning's ContrastiveLoss (pos_margin 0, neg_margin m) per pair; Caffe's legacy
// layer hinged the squared distance, [m - D^2]_+, which is neither.
//
// Gradient (squared): d l/d x1 = t (x1 - x2) - (1 - t) [m - D]_+ (x1 - x2) / D, and
// d l/d x2 = -d l/d x1. Subgradients: the similar term needs no square root (1/2 D^2 is smooth);
// a dissimilar pair at D = 0 exactly has no defined push direction and gets gradient 0 (safe_sqrt);
// the plain form takes 0 at D = 0 (similar) and at the hinge's kink D = m. The squared form is
// differentiable at D = m.
//
// Shapes: input1, input2 [N, D] floating; target [N], any dtype, values 0 or 1 (a constant).
#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/metric.h"
#include "losses/metric/tuple_loss_util.h"
#include "tensor/ops.h"

namespace minidl::losses {

Variable contrastive_loss(const Variable& input1, const Variable& input2, const Variable& target,
                          const ContrastiveLossOptions& o) {
  constexpr const char* kOp = "contrastive_loss";
  check_floating(kOp, "input1", input1);
  check_floating(kOp, "input2", input2);
  check_same_shape(kOp, "input1", input1, "input2", input2);
  MINIDL_CHECK(input1.dim() == 2, kOp, ": input1 and input2 must be [N, D], got ",
               shape_str(input1.shape()));
  check_not_empty(kOp, "input1", input1);
  MINIDL_CHECK(target.defined(), kOp, ": target is undefined");
  MINIDL_CHECK(target.dim() == 1 && target.size(0) == input1.size(0), kOp, ": target must be [",
               input1.size(0), "] (one per pair), got ", shape_str(target.shape()));
  const Tensor t = target.value().to(kFloat64);
  for (std::int64_t i = 0; i < t.numel(); ++i)
    MINIDL_CHECK(t.at(i) == 0.0 || t.at(i) == 1.0, kOp,
                 ": target must hold 1 (similar) or 0 (dissimilar), got ", t.at(i), " at position ",
                 i);
  MINIDL_CHECK(o.margin >= 0, kOp, ": margin must be >= 0, got ", o.margin);
  MINIDL_CHECK(o.reduction != Reduction::BatchMean, kOp,
               ": reduction must be 'none', 'mean' or 'sum'");

  Variable a = o.normalize_embeddings ? l2_normalize(input1) : input1;
  Variable b = o.normalize_embeddings ? l2_normalize(input2) : input2;
  Variable d2 = squared_euclidean(a, b);
  Variable loss = where(t, metric_detail::contrastive_similar_terms(d2, o.squared),
                        metric_detail::contrastive_dissimilar_terms(d2, o.margin, o.squared));
  std::vector<bool> positive(static_cast<std::size_t>(t.numel()));
  for (std::int64_t i = 0; i < t.numel(); ++i) positive[static_cast<std::size_t>(i)] = t.at(i) == 1;
  return metric_detail::reduce_pair_terms(
      kOp, loss, positive, {o.balanced, o.positive_weight, o.negative_weight}, o.reduction);
}

}  // namespace minidl::losses
