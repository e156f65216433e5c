// info_nce_loss: InfoNCE, the contrastive predictive coding loss of van den Oord, Li and Vinyals
// 2018, "Representation Learning with Contrastive Predictive Coding" (arXiv:1807.03748), eq. 4,
// in the in-batch form of MoCo (He et al. 2020, eq. 1) and CLIP's one direction.
//
//   s_ij   = cos(q_i, k_j) = q_i.k_j / (|q_i| |k_j|)    (normalize_embeddings, the default)
//          = q_i.k_j                                     (otherwise)
//   l_i    = -log( exp(s_ii / tau) / sum_j exp(s_ij / tau) )
//          = logsumexp_j(s_ij / tau) - s_ii / tau
//   mean: (1/N) sum_i l_i    sum: sum_i l_i    none: [N]
//
// Each query row is an N-way classification whose correct "class" is its own key (the diagonal);
// the other N - 1 keys of the batch are the negatives. tau = 0.07 is MoCo's value (the paper's
// f_k = exp(z^T W c) has no temperature; the scaled cosine form is MoCo/SimCLR's).
//
// Gradient: with p_ij = softmax_j(s_ij / tau), dl_i/ds_ij = (p_ij - [i == j]) / tau, then through
// the cosine (or dot) to q and k. Rows are normalised by x / max(|x|, 1e-12) (l2_normalize), so
// a zero row stays zero and gives a finite gradient.
// Stability: log_softmax subtracts the row maximum before exponentiating (log-sum-exp), so a
// small tau (large logits, |s / tau| up to 14 for cosine, unbounded for dot) never overflows.
// Every query has a positive, so there is no empty-tuple case; N = 1 gives exactly 0 (a one-way
// softmax), with zero gradients.
//
// Shapes: query [N, D], key [N, D] floating, same shape.
#include "autograd/functional.h"
#include "losses/metric/distance_util.h"
#include "losses/metric_softmax.h"
#include "tensor/error.h"

namespace minidl::losses {

Variable info_nce_loss(const Variable& query, const Variable& key, const InfoNceLossOptions& o) {
  constexpr const char* kOp = "info_nce_loss";
  check_floating(kOp, "query", query);
  check_floating(kOp, "key", key);
  MINIDL_CHECK(query.dim() == 2, kOp, ": query must be [N, D], got ", shape_str(query.shape()));
  check_same_shape(kOp, "query", query, "key", key);
  check_not_empty(kOp, "query", query);
  MINIDL_CHECK(o.temperature > 0, kOp, ": temperature must be > 0, got ", o.temperature);
  MINIDL_CHECK(o.reduction != Reduction::BatchMean, kOp,
               ": reduction must be 'none', 'mean' or 'sum'");
  const Variable sim =
      o.normalize_embeddings ? cosine_similarity_matrix(query, key) : dot_matrix(query, key);
  const Variable log_p = log_softmax(sim / o.temperature, 1);
  const std::int64_t n = query.size(0);
  const Tensor diagonal = arange(n, kInt64).reshape({n, 1});
  const Variable loss = neg(reshape(take_along_axis(log_p, diagonal, 1), {n}));
  return reduce(loss, o.reduction, kOp);
}

}  // namespace minidl::losses
