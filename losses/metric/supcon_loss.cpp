// supcon_loss: the supervised contrastive loss of Khosla, Teterwak, Wang, Sarna, Tian, Isola,
// Maschinot, Liu and Krishnan 2020, "Supervised Contrastive Learning" (NeurIPS 2020), eq. 2
// (L^sup_out, the form the paper found better: the mean over positives sits outside the log).
//
//   s_ia   = cos(z_i, z_a)                    (normalize_embeddings, the default; else z_i.z_a)
//   A(i)   = {a != i}     P(i) = {p in A(i): y_p = y_i}
//   l_i    = -1/|P(i)| sum_{p in P(i)} [ s_ip / tau - logsumexp_{a in A(i)}(s_ia / tau) ]
//   mean: over the anchors with |P(i)| > 0    sum: their sum    none: [A], those anchors in order
//
// tau = 0.1 is pytorch-metric-learning's SupConLoss default (and the paper's value). The
// reference code's extra factor tau / base_tau (both 0.07 there, so 1) is left out, as PML does.
// An anchor with no positive in the batch (a singleton label) has no term: it is excluded from
// the mean, not counted as 0, but still serves as a negative in the others' denominators. A batch
// of singletons has no term at all and gives exactly 0 with zero gradients (zero_loss).
//
// Gradient: with q_ia = softmax_{a in A(i)}(s_ia / tau),
//   dl_i/ds_ia = (q_ia - [a in P(i)] / |P(i)|) / tau,
// then through the cosine (l2_normalize: x / max(|x|, 1e-12)) to the embeddings.
// Stability: log_softmax subtracts the row maximum (log-sum-exp). Self-similarity leaves the
// denominator as a -inf logit (exp(-inf) = 0, zero gradient); the positive sum reads log q only
// at positives through where(), so the -inf at i never meets a 0 weight (no 0 * inf = NaN).
// Only anchors with a positive get a row, so no row is all -inf.
//
// Shapes: embeddings [N, D] floating; labels int64 [N].
#include <limits>
#include <vector>

#include "autograd/functional.h"
#include "losses/metric/distance_util.h"
#include "losses/metric/tuple_loss_util.h"
#include "losses/metric_softmax.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace minidl::losses {

Variable supcon_loss(const Variable& embeddings, const Variable& labels,
                     const SupConLossOptions& o) {
  constexpr const char* kOp = "supcon_loss";
  check_floating(kOp, "embeddings", embeddings);
  check_int64(kOp, "labels", labels);
  MINIDL_CHECK(embeddings.dim() == 2, kOp, ": embeddings must be [N, D], got ",
               shape_str(embeddings.shape()));
  check_not_empty(kOp, "embeddings", embeddings);
  MINIDL_CHECK(labels.dim() == 1 && labels.size(0) == embeddings.size(0), kOp, ": labels must be [",
               embeddings.size(0), "], got ", shape_str(labels.shape()));
  MINIDL_CHECK(o.temperature > 0, kOp, ": temperature must be > 0, got ", o.temperature);
  MINIDL_CHECK(o.reduction != Reduction::BatchMean, kOp,
               ": reduction must be 'none', 'mean' or 'sum'");
  const std::int64_t n = embeddings.size(0);
  const std::vector<std::int64_t> y = labels.value().values<std::int64_t>();
  // Rows of the anchors that have a positive, with their self and positive masks.
  std::vector<std::int64_t> anchors, self, positive;
  std::vector<double> count;
  for (std::int64_t i = 0; i < n; ++i) {
    std::vector<std::int64_t> pos(static_cast<std::size_t>(n), 0);
    std::int64_t k = 0;
    for (std::int64_t j = 0; j < n; ++j)
      if (j != i && y[j] == y[i]) pos[j] = 1, ++k;
    if (k == 0) continue;
    anchors.push_back(i);
    for (std::int64_t j = 0; j < n; ++j) self.push_back(j == i ? 1 : 0);
    positive.insert(positive.end(), pos.begin(), pos.end());
    count.push_back(static_cast<double>(k));
  }
  if (anchors.empty()) return metric_detail::zero_loss(embeddings, o.reduction);
  const auto a = static_cast<std::int64_t>(anchors.size());
  const Variable z = o.normalize_embeddings ? l2_normalize(embeddings) : embeddings;
  const Variable sim = matmul(index_select(z, 0, from_vector(anchors)), z, false, true);  // [A, N]
  const Variable logits = masked_fill(sim / o.temperature, from_vector(self, {a, n}),
                                      -std::numeric_limits<double>::infinity());
  const Variable log_q = log_softmax(logits, 1);
  const Variable at_positives =
      where(eq(from_vector(positive, {a, n}), 0.0), scalar_like(log_q, 0.0), log_q);
  const Tensor size = from_vector(count).to(embeddings.dtype());
  const Variable loss = neg(sum(at_positives, {1}) / Variable(size));
  return reduce(loss, o.reduction, kOp);
}

}  // namespace minidl::losses
