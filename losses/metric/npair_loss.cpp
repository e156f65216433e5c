// npair_loss: the multi-class N-pair loss of Sohn 2016, "Improved Deep Metric Learning with
// Multi-class N-pair Loss Objective" (NeurIPS 2016), eq. 6, with its embedding-norm penalty.
//
//   N pairs (a_i, p_i) of N different classes; f_ij = a_i.p_j (dot product, no normalisation)
//   l_i = log(1 + sum_{j != i} exp(f_ij - f_ii)) + 0.25 lambda (|a_i|^2 + |p_i|^2)
//       = logsumexp_j(f_ij) - f_ii               + 0.25 lambda (|a_i|^2 + |p_i|^2)
//   mean: (1/N) sum_i l_i    sum: sum_i l_i    none: [N]
//
// The first term is softmax cross entropy over the rows of the N x N matrix a p^T with the
// diagonal as target (eq. 6 rewritten). Sohn notes that the dot product is unbounded, so the
// loss can be lowered just by scaling the embeddings up, and regularises their L2 norm. The mean
// reduction equals TensorFlow's npairs_loss (one pair per class): its penalty is
// 0.25 reg_lambda (mean_i |a_i|^2 + mean_i |p_i|^2) with reg_lambda = 0.002, the default here
// (l2_reg). pytorch-metric-learning's NPairsLoss has no penalty by default (l2_reg = 0 gives it).
//
// Gradient: dl_i/df_ij = softmax_j(f_ij) - [i == j]; df_ij/da_i = p_j, df_ij/dp_j = a_i; the
// penalty adds 0.5 lambda a_i and 0.5 lambda p_i.
// Stability: log_softmax subtracts the row maximum (log-sum-exp), so large dot products (the
// unnormalised embeddings) never overflow.
// Every anchor has its positive, so there is no empty-tuple case; N = 1 leaves only the penalty
// (a one-way softmax is exactly 0).
//
// Shapes: anchor [N, D], positive [N, D] floating, same shape.
#include "autograd/functional.h"
#include "losses/metric/distance_util.h"
#include "losses/metric_softmax.h"
#include "tensor/error.h"

namespace minidl::losses {

Variable npair_loss(const Variable& anchor, const Variable& positive, const NpairLossOptions& o) {
  constexpr const char* kOp = "npair_loss";
  check_floating(kOp, "anchor", anchor);
  check_floating(kOp, "positive", positive);
  MINIDL_CHECK(anchor.dim() == 2, kOp, ": anchor must be [N, D], got ", shape_str(anchor.shape()));
  check_same_shape(kOp, "anchor", anchor, "positive", positive);
  check_not_empty(kOp, "anchor", anchor);
  MINIDL_CHECK(o.l2_reg >= 0, kOp, ": l2_reg must be >= 0, got ", o.l2_reg);
  MINIDL_CHECK(o.reduction != Reduction::BatchMean, kOp,
               ": reduction must be 'none', 'mean' or 'sum'");
  const std::int64_t n = anchor.size(0);
  const Variable log_p = log_softmax(dot_matrix(anchor, positive), 1);
  const Tensor diagonal = arange(n, kInt64).reshape({n, 1});
  Variable loss = neg(reshape(take_along_axis(log_p, diagonal, 1), {n}));
  if (o.l2_reg > 0)
    loss = loss + (0.25 * o.l2_reg) * (sum(square(anchor), {1}) + sum(square(positive), {1}));
  return reduce(loss, o.reduction, kOp);
}

}  // namespace minidl::losses
