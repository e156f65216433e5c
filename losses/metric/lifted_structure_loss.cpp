// lifted_structure_loss: the lifted structured feature embedding loss of Song, Xiang, Jegelka and
// Savarese 2016, "Deep Metric Learning via Lifted Structured Feature Embedding" (CVPR 2016),
// eq. 4 (the smooth upper bound of their eq. 3).
//
//   D_ij = |x_i - x_j|_2                          (Euclidean, not squared, as the paper)
//   P    = positive pairs {i < j, y_i = y_j}      N_i = {k: y_k != y_i}
//   J_ij = log( sum_{k in N_i} exp(alpha - D_ik) + sum_{l in N_j} exp(alpha - D_jl) ) + D_ij
//   L    = 1/(2|P|) sum_{(i, j) in P} [J_ij]_+^2
//   mean: L (the paper's normaliser 1/(2|P|))   sum: sum_P [J_ij]_+^2   none: [|P|], pairs in
//   row-major (i, then j) order
//
// The log-sum-exp replaces the hard max over each pair's negatives (eq. 3) by a smooth bound, so
// every negative of i or j is pushed, the closest ones hardest. alpha = 1 is the paper's margin.
//
// Gradient (eq. 5): dL/dD_ij = J_ij / |P| for [J_ij > 0], and for a negative k of i
//   dL/dD_ik = -J_ij / |P| exp(alpha - D_ik) / exp(J_ij - D_ij);
// the kink of [J]_+^2 at 0 has slope 0 on both sides (no subgradient choice). D = 0 (identical
// points) takes the gradient 0 (safe_sqrt, distance_util.h).
// Stability: r_i = logsumexp_k(alpha - D_ik) per row (non-negatives masked to -inf, which have
// weight exactly 0), then log(e^{r_i} + e^{r_j}) = logsumexp(r_i, r_j), both max-shifted.
// A batch with no positive pair or no negative pair (all singletons, or one class) gives exactly 0
// with zero gradients (zero_loss); otherwise every sample has a negative, so no r_i is -inf.
//
// Shapes: embeddings [N, D] floating; labels int64 [N].
#include <limits>
#include <vector>

#include "autograd/functional.h"
#include "losses/metric/distance_util.h"
#include "losses/metric/tuple_loss_util.h"
#include "losses/metric_softmax.h"
#include "tensor/error.h"

namespace minidl::losses {

Variable lifted_structure_loss(const Variable& embeddings, const Variable& labels,
                               const LiftedStructureLossOptions& o) {
  constexpr const char* kOp = "lifted_structure_loss";
  check_floating(kOp, "embeddings", embeddings);
  check_int64(kOp, "labels", labels);
  MINIDL_CHECK(embeddings.dim() == 2, kOp, ": embeddings must be [N, D], got ",
               shape_str(embeddings.shape()));
  check_not_empty(kOp, "embeddings", embeddings);
  MINIDL_CHECK(labels.dim() == 1 && labels.size(0) == embeddings.size(0), kOp, ": labels must be [",
               embeddings.size(0), "], got ", shape_str(labels.shape()));
  MINIDL_CHECK(o.reduction != Reduction::BatchMean, kOp,
               ": reduction must be 'none', 'mean' or 'sum'");
  const std::int64_t n = embeddings.size(0);
  const std::vector<std::int64_t> y = labels.value().values<std::int64_t>();
  std::vector<std::int64_t> first, second, not_negative(static_cast<std::size_t>(n * n));
  bool any_negative = false;
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      const bool same = y[i] == y[j];
      not_negative[i * n + j] = same ? 1 : 0;
      any_negative = any_negative || !same;
      if (same && i < j) first.push_back(i), second.push_back(j);
    }
  if (first.empty() || !any_negative) return metric_detail::zero_loss(embeddings, o.reduction);
  const Variable d = distance_matrix(Distance::kEuclidean, embeddings);
  const Variable lifted = masked_fill(o.margin - d, from_vector(not_negative, {n, n}),
                                      -std::numeric_limits<double>::infinity());
  const Variable r = logsumexp(lifted, {1});  // [N], finite: every row has a negative
  const Tensor i = from_vector(first), j = from_vector(second);
  const Variable both = stack({index_select(r, 0, i), index_select(r, 0, j)}, 1);  // [P, 2]
  const Variable jij = logsumexp(both, {1}) + metric_detail::matrix_entries(d, i, j);
  const Variable terms = square(relu(jij));
  if (o.reduction == Reduction::Mean) return sum(terms) / (2.0 * static_cast<double>(first.size()));
  return reduce(terms, o.reduction, kOp);
}

}  // namespace minidl::losses
