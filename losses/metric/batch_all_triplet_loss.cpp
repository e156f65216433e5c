// batch_all_triplet_loss: the "Batch All" triplet loss of Hermans, Beyer and Leibe 2017, "In
// Defense of the Triplet Loss for Person Re-Identification" (arXiv:1703.07737), eq. 4.
//
//   over every valid triplet of the batch (y_a = y_p, a != p, y_n != y_a):
//     l_apn = [margin + D(a, p) - D(a, n)]_+      soft margin: softplus(D(a, p) - D(a, n))
//   mean, average_nonzero_only (default, the paper's "BA != 0"):
//         sum l_apn / #{l_apn > 0}   (0 when no term is positive)
//   mean, average_nonzero_only = false ("BA"): sum l_apn / #triplets
//   sum: sum l_apn   none: [T], the terms in (a, p, n) order (all_triplets)
//
// Averaging over the non-zero terms only keeps the loss from shrinking as most triplets become
// easy (the paper: "BA != 0" trains far better than "BA"). The count is a constant of the step,
// not differentiated. D: non-squared Euclidean by default; a similarity s enters as -s.
// Gradient: dl/dD(a, p) = [l > 0] = -dl/dD(a, n), kink subgradient 0 (soft: sigmoid).
// T = sum_a (K_a - 1)(N - K_a) triplets: 107,520 for a 16 x 8 batch, all read from one N x N
// distance matrix. A batch without any valid triplet (all labels distinct, or one class) gives
// exactly 0 with zero gradients.
//
// Shapes: embeddings [N, D] floating; labels int64 [N].
#include "losses/metric.h"

namespace minidl::losses {

Variable batch_all_triplet_loss(const Variable& embeddings, const Variable& labels,
                                const BatchAllTripletLossOptions& o) {
  constexpr const char* kOp = "batch_all_triplet_loss";
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
  return triplet_tuple_loss(embeddings, all_triplets(labels.value()),
                            {.margin = o.margin,
                             .soft_margin = o.soft_margin,
                             .distance = o.distance,
                             .normalize_embeddings = o.normalize_embeddings,
                             .average_nonzero_only = o.average_nonzero_only,
                             .reduction = o.reduction,
                             .diagnostics = o.diagnostics});
}

}  // namespace minidl::losses
