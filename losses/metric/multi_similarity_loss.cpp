// multi_similarity_loss: the multi-similarity loss of Wang, Han, Huang, Dong and Scott 2019,
// "Multi-Similarity Loss with General Pair Weighting for Deep Metric Learning" (CVPR 2019), eq. 6,
// with its pair mining (eq. 7-8) built in.
//
//   S_ik = cos(x_i, x_k)   (the paper's similarity; rows L2-normalised)
//   mining (mine_pairs): negative k kept if S_ik > min_{p in P_i} S_ip - epsilon,
//                        positive k kept if S_ik < max_{n in N_i} S_in + epsilon
//   l_i  = 1/alpha log(1 + sum_{k in P_i} exp(-alpha (S_ik - base)))
//        + 1/beta  log(1 + sum_{k in N_i} exp( beta (S_ik - base)))
//   mean: (1/N) sum_i l_i over all N anchors (the paper's 1/m; an anchor with no kept pair adds
//   exactly 0)    sum    none: [N]
//
// alpha = 2, beta = 50, base (lambda) = 0.5 and epsilon = 0.1 are the paper's values and
// pytorch-metric-learning's defaults (MultiSimilarityLoss + MultiSimilarityMiner). Mining reads
// values only (multi_similarity_pairs, losses/metric/miner_util.h) and is a constant of the loss:
// the gradient flows through the kept pairs' similarities only.
//
// Gradient: the soft weights of eq. 9-10, e.g. for a kept negative
//   dl_i/dS_ik = e^{beta (S_ik - base)} / (1 + sum_{n in N_i} e^{beta (S_in - base)}),
// then through the cosine (l2_normalize: x / max(|x|, 1e-12)).
// Stability: log(1 + sum_k e^{z_k}) is computed as logsumexp over [0, z_k...] (a constant 0
// column for the "1"), with pairs that are not kept entering as -inf (weight exactly 0, zero
// gradient); beta (S - base) reaches 25, which the max-shift keeps in range. An anchor without
// kept pairs gets logsumexp(0) = 0. A batch with no kept pair at all gives exactly 0 with zero
// gradients (zero_loss).
//
// Shapes: embeddings [N, D] floating; labels int64 [N].
#include <limits>
#include <vector>

#include "autograd/functional.h"
#include "losses/metric/distance_util.h"
#include "losses/metric/miner_util.h"
#include "losses/metric/tuple_loss_util.h"
#include "losses/metric_softmax.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace minidl::losses {
namespace {

// log(1 + sum_k exp(z_ik) [keep_ik]) per row, stable: logsumexp over [0 | z masked to -inf].
Variable log1p_sum_exp(const Variable& z, const Tensor& drop) {
  const Variable masked = masked_fill(z, drop, -std::numeric_limits<double>::infinity());
  const Variable one = Variable(zeros({z.size(0), 1}, z.dtype()));
  return logsumexp(concat({one, masked}, 1), {1});
}

}  // namespace

Variable multi_similarity_loss(const Variable& embeddings, const Variable& labels,
                               const MultiSimilarityLossOptions& o) {
  constexpr const char* kOp = "multi_similarity_loss";
  check_floating(kOp, "embeddings", embeddings);
  check_int64(kOp, "labels", labels);
  MINIDL_CHECK(embeddings.dim() == 2, kOp, ": embeddings must be [N, D], got ",
               shape_str(embeddings.shape()));
  check_not_empty(kOp, "embeddings", embeddings);
  MINIDL_CHECK(labels.dim() == 1 && labels.size(0) == embeddings.size(0), kOp, ": labels must be [",
               embeddings.size(0), "], got ", shape_str(labels.shape()));
  MINIDL_CHECK(o.alpha > 0 && o.beta > 0, kOp, ": alpha and beta must be > 0, got ", o.alpha,
               " and ", o.beta);
  MINIDL_CHECK(o.epsilon >= 0, kOp, ": epsilon must be >= 0, got ", o.epsilon);
  MINIDL_CHECK(o.reduction != Reduction::BatchMean, kOp,
               ": reduction must be 'none', 'mean' or 'sum'");
  const std::int64_t n = embeddings.size(0);
  const PairTuples pairs =
      o.mine_pairs ? multi_similarity_pairs(embeddings.value(), labels.value(),
                                            {.epsilon = o.epsilon, .distance = Distance::kCosine})
                   : all_pairs(labels.value());
  if (pairs.count() == 0) {
    // Mean and sum of N zero terms are 0; None keeps one (zero) term per anchor.
    if (o.reduction != Reduction::None) return metric_detail::zero_loss(embeddings, o.reduction);
    return sum(narrow(embeddings, 1, 0, 0), {1});  // [N] zeros, a function of embeddings
  }
  // drop = 1 where a pair is not used (every entry, then the kept pairs cleared).
  std::vector<std::int64_t> drop_pos(static_cast<std::size_t>(n * n), 1), drop_neg = drop_pos;
  const auto ap = pairs.anchor_pos.values<std::int64_t>(),
             p = pairs.positive.values<std::int64_t>();
  const auto an = pairs.anchor_neg.values<std::int64_t>(),
             q = pairs.negative.values<std::int64_t>();
  for (std::size_t t = 0; t < ap.size(); ++t) drop_pos[ap[t] * n + p[t]] = 0;
  for (std::size_t t = 0; t < an.size(); ++t) drop_neg[an[t] * n + q[t]] = 0;
  const Variable s = cosine_similarity_matrix(embeddings, embeddings);
  const Variable pos = log1p_sum_exp((s - o.base) * -o.alpha, from_vector(drop_pos, {n, n}));
  const Variable neg_term = log1p_sum_exp((s - o.base) * o.beta, from_vector(drop_neg, {n, n}));
  const Variable loss = pos / o.alpha + neg_term / o.beta;
  return reduce(loss, o.reduction, kOp);
}

}  // namespace minidl::losses
