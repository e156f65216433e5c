// batch_hard_triplet_loss: the "Batch Hard" triplet loss of Hermans, Beyer and Leibe 2017, "In
// Defense of the Triplet Loss for Person Re-Identification" (arXiv:1703.07737), eq. 5.
//
//   for each anchor a with at least one positive and one negative in the batch:
//     l_a = [margin + max_{p: y_p = y_a, p != a} D(a, p) - min_{n: y_n != y_a} D(a, n)]_+
//     soft margin (their eq. 6 form): l_a = softplus(max_p D(a, p) - min_n D(a, n)), no margin
//   mean: over those anchors   sum: sum   none: [A], one term per anchor (batch order)
//
// D is the non-squared Euclidean distance by default, as the paper (which found the squared one
// less stable); with a similarity s (cosine, dot) D is replaced by -s, so "hardest positive" is the
// least similar one. The paper uses P x K batches (P classes, K images each: an m-per-class
// sampler) and no normalising layer; margin 0.2 is FaceNet's alpha (the paper reports its best
// results with the soft margin).
//
// Gradient: max and min are selections (batch_hard_triplets mines them under no_grad), so the
// gradient flows only through the selected D(a, p*) and D(a, n*), exactly as through a max:
//   dl_a/dD(a, p*) = [l_a > 0] = -dl_a/dD(a, n*)    (soft: sigmoid of the gap)
// Ties for the hardest pick the lower batch index; the hinge's kink takes the subgradient 0.
// Identical points have D = 0 with gradient 0 (safe_sqrt, distance_util.h).
// A batch where no anchor has both a positive and a negative gives exactly 0, zero gradients.
//
// Shapes: embeddings [N, D] floating; labels int64 [N].
#include "losses/metric.h"

namespace minidl::losses {

Variable batch_hard_triplet_loss(const Variable& embeddings, const Variable& labels,
                                 const BatchHardTripletLossOptions& o) {
  constexpr const char* kOp = "batch_hard_triplet_loss";
  check_floating(kOp, "embeddings", embeddings);
  check_int64(kOp, "labels", labels);
  MINIDL_CHECK(embeddings.dim() == 2, kOp, ": embeddings must be [N, D], got ",
               shape_str(embeddings.shape()));
  check_not_empty(kOp, "embeddings", embeddings);
  MINIDL_CHECK(labels.dim() == 1 && labels.size(0) == embeddings.size(0), kOp, ": labels must be [",
               embeddings.size(0), "], got ", shape_str(labels.shape()));
  MINIDL_CHECK(o.soft_margin || o.margin >= 0, kOp, ": margin must be >= 0, got ", o.margin);
  MINIDL_CHECK(o.reduction != Reduction::BatchMean, kOp,
               ": reduction must be 'none', 'mean' or 'sum'");
  const TripletTuples hardest =
      batch_hard_triplets(embeddings.value(), labels.value(),
                          {.distance = o.distance, .normalize_embeddings = o.normalize_embeddings});
  return triplet_tuple_loss(embeddings, hardest,
                            {.margin = o.margin,
                             .soft_margin = o.soft_margin,
                             .distance = o.distance,
                             .normalize_embeddings = o.normalize_embeddings,
                             .average_nonzero_only = false,
                             .reduction = o.reduction,
                             .diagnostics = o.diagnostics});
}

}  // namespace minidl::losses
