// lmnn_loss: Weinberger and Saul 2009, "Distance Metric Learning for Large Margin Nearest Neighbor
// Classification" (JMLR 10), eq. 13, recast for a mini-batch of learned embeddings.
//
//   d_ij = |x_i - x_j|_2^2                                  (squared Euclidean, as the paper)
//   T_i  = the k nearest samples of i's class in the batch (j != i; fewer if the class has fewer)
//   pull_i = sum_{j in T_i} d_ij
//   push_i = sum_{j in T_i} sum_{l: y_l != y_i} [1 + d_ij - d_il]_+      (unit margin)
//   l_i = (1 - mu) pull_i + mu push_i
//   sum: the paper's eps(L) over the batch   mean: (1/N) sum_i l_i   none: l [N]
//
// In-batch definition (what differs from the paper): the paper fixes each point's target
// neighbours once, in the input space, before learning a linear map L. Here the embedding is the
// learned map and only a batch is at hand, so T_i is chosen in every call among the batch's
// same-class samples by the current distances, under no gradient (a selection, like batch-hard
// mining); ties go to the lower batch index. Every other-class sample l is a candidate impostor;
// the hinge is 0 for those that already sit 1 farther than the target. mu = 0.5 weighs the pull
// and push terms equally (metric-learn's `regularization` default). The margin is fixed at 1 as in
// the paper (another margin only rescales the embedding).
//
// Gradient: d d_ij / d x_i = 2 (x_i - x_j); each active hinge adds mu (d d_ij - d d_il), the pull
// (1 - mu) d d_ij. The hinge's kink (argument exactly 0) takes the subgradient 0 (relu).
// An anchor with no same-class sample contributes exactly 0; a batch where no anchor has one
// gives a loss of exactly 0 with zero gradients (tuple_loss_util.h's zero_loss keeps the result
// a function of the embeddings). Distances come from the GEMM form with an exact zero diagonal
// (distance_util.h).
//
// Shapes: embeddings [N, D] floating; labels int64 [N].
#include <algorithm>
#include <numeric>
#include <vector>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/metric/distance_util.h"
#include "losses/metric/tuple_loss_util.h"
#include "losses/metric_proxy.h"
#include "tensor/ops.h"

namespace minidl::losses {

Variable lmnn_loss(const Variable& embeddings, const Variable& labels, const LmnnLossOptions& o) {
  constexpr const char* kOp = "lmnn_loss";
  check_floating(kOp, "embeddings", embeddings);
  check_int64(kOp, "labels", labels);
  MINIDL_CHECK(embeddings.dim() == 2, kOp, ": embeddings must be [N, D], got ",
               shape_str(embeddings.shape()));
  check_not_empty(kOp, "embeddings", embeddings);
  MINIDL_CHECK(labels.dim() == 1 && labels.size(0) == embeddings.size(0), kOp, ": labels must be [",
               embeddings.size(0), "], got ", shape_str(labels.shape()));
  MINIDL_CHECK(o.k >= 1, kOp, ": k must be >= 1, got ", o.k);
  MINIDL_CHECK(o.mu >= 0 && o.mu <= 1, kOp, ": mu must be in [0, 1], got ", o.mu);
  MINIDL_CHECK(o.reduction != Reduction::BatchMean, kOp,
               ": reduction must be 'none', 'mean' or 'sum'");
  const std::int64_t n = embeddings.size(0);
  const Variable d = distance_matrix(Distance::kSquaredEuclidean, embeddings);  // [N, N]
  const std::vector<double> dv = d.value().to_vector();
  const std::vector<std::int64_t> y = labels.value().values<std::int64_t>();

  // Target neighbours (pull pairs) and (anchor, target, impostor candidate) triples.
  std::vector<std::int64_t> pa, pj, ta, tj, tl;
  for (std::int64_t i = 0; i < n; ++i) {
    std::vector<std::int64_t> same;
    for (std::int64_t j = 0; j < n; ++j)
      if (j != i && y[j] == y[i]) same.push_back(j);
    std::stable_sort(same.begin(), same.end(),
                     [&](std::int64_t a, std::int64_t b) { return dv[i * n + a] < dv[i * n + b]; });
    same.resize(std::min<std::size_t>(same.size(), static_cast<std::size_t>(o.k)));
    for (std::int64_t j : same) {
      pa.push_back(i);
      pj.push_back(j);
      for (std::int64_t l = 0; l < n; ++l)
        if (y[l] != y[i]) {
          ta.push_back(i);
          tj.push_back(j);
          tl.push_back(l);
        }
    }
  }

  // Per-anchor terms start from exact zeros that still depend on the embeddings.
  Variable per_anchor = add(constant_like(reshape(narrow(d, 1, 0, 1), {n}), 0.0),
                            metric_detail::zero_loss(embeddings, Reduction::Sum));
  if (!pa.empty()) {
    const Tensor ia = from_vector(pa);
    const Variable pull = metric_detail::matrix_entries(d, ia, from_vector(pj));
    per_anchor = index_add(per_anchor, 0, ia, mul_scalar(pull, 1.0 - o.mu));
  }
  if (!ta.empty()) {
    const Tensor ia = from_vector(ta);
    const Variable d_target = metric_detail::matrix_entries(d, ia, from_vector(tj));
    const Variable d_impostor = metric_detail::matrix_entries(d, ia, from_vector(tl));
    const Variable hinge = relu(add_scalar(d_target - d_impostor, 1.0));
    per_anchor = index_add(per_anchor, 0, ia, mul_scalar(hinge, o.mu));
  }
  return reduce(per_anchor, o.reduction, kOp);
}

}  // namespace minidl::losses
