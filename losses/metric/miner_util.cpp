// Miners (see miner_util.h for what each selects and its source). Every miner works on a float64
// copy of the dissimilarity matrix delta [N, N] computed under NoGradGuard, and walks it with plain
// loops: batches are small (N ~ 100s), the result is a few index lists, and the loops read as the
// papers' definitions. Index order is deterministic (anchor, then positive, then negative).
#include "losses/metric/miner_util.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "autograd/functional.h"
#include "autograd/tape.h"
#include "tensor/ops.h"

namespace minidl::losses {
namespace {

using Index = std::vector<std::int64_t>;

Tensor index_tensor(const Index& v) { return v.empty() ? zeros({0}, kInt64) : from_vector(v); }

std::vector<std::int64_t> check_labels_1d(const char* op, const Tensor& labels) {
  MINIDL_CHECK(labels.defined(), op, ": labels are undefined");
  MINIDL_CHECK(labels.dtype() == kInt64, op, ": labels must be int64, got ",
               dtype_name(labels.dtype()));
  MINIDL_CHECK(labels.dim() == 1, op, ": labels must be [N], got ", shape_str(labels.shape()));
  MINIDL_CHECK(labels.numel() > 0, op, ": the batch is empty");
  return labels.values<std::int64_t>();
}

void check_embeddings(const char* op, const Tensor& e, const Tensor& labels) {
  MINIDL_CHECK(e.defined(), op, ": embeddings are undefined");
  MINIDL_CHECK(e.dtype() != kInt64, op, ": embeddings must be float32 or float64, got int64");
  MINIDL_CHECK(e.dim() == 2, op, ": embeddings must be [N, D], got ", shape_str(e.shape()));
  MINIDL_CHECK(e.size(0) == labels.numel(), op, ": embeddings ", shape_str(e.shape()),
               " and labels ", shape_str(labels.shape()), " differ in N");
}

// delta as a row-major vector (see miner_util.h).
std::vector<double> delta_of(const char* op, const Tensor& e, const Tensor& labels, Distance d,
                             bool normalize) {
  check_embeddings(op, e, labels);
  return dissimilarity_matrix(e, d, normalize).values<double>();
}

struct PairLists {
  Index a1, p, a2, n;
  PairTuples tuples() const {
    return {index_tensor(a1), index_tensor(p), index_tensor(a2), index_tensor(n)};
  }
};

struct TripletLists {
  Index a, p, n;
  TripletTuples tuples() const { return {index_tensor(a), index_tensor(p), index_tensor(n)}; }
  void push(std::int64_t i, std::int64_t j, std::int64_t k) {
    a.push_back(i);
    p.push_back(j);
    n.push_back(k);
  }
};

}  // namespace

Tensor dissimilarity_matrix(const Tensor& embeddings, Distance distance, bool normalize) {
  NoGradGuard no_grad;
  Variable x(embeddings.to(kFloat64));
  if (normalize) x = l2_normalize(x);
  Tensor m = distance_matrix(distance, x).value();
  return is_similarity(distance) ? neg(m) : m;
}

PairTuples to_pairs(const TripletTuples& t) {
  if (t.count() == 0)
    return PairTuples{zeros({0}, kInt64), zeros({0}, kInt64), zeros({0}, kInt64),
                      zeros({0}, kInt64)};
  return {t.anchor, t.positive, t.anchor, t.negative};
}

PairTuples all_pairs(const Tensor& labels) {
  const auto y = check_labels_1d("all_pairs", labels);
  const auto n = static_cast<std::int64_t>(y.size());
  PairLists out;
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      if (i == j) continue;
      if (y[i] == y[j]) {
        out.a1.push_back(i);
        out.p.push_back(j);
      } else {
        out.a2.push_back(i);
        out.n.push_back(j);
      }
    }
  return out.tuples();
}

PairTuples ratio_capped_pairs(const Tensor& embeddings, const Tensor& labels, Generator& gen,
                              const CappedPairOptions& o) {
  constexpr const char* kOp = "ratio_capped_pairs";
  MINIDL_CHECK(std::isfinite(o.max_negative_ratio) && o.max_negative_ratio >= 0, kOp,
               ": max_negative_ratio must be finite and >= 0, got ", o.max_negative_ratio);
  const auto y = check_labels_1d(kOp, labels);
  check_embeddings(kOp, embeddings, labels);
  const auto n = static_cast<std::int64_t>(y.size());
  PairLists out;
  Index neg_i, neg_j;
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = i + 1; j < n; ++j) {
      if (y[i] == y[j]) {
        out.a1.push_back(i);
        out.p.push_back(j);
      } else {
        neg_i.push_back(i);
        neg_j.push_back(j);
      }
    }
  const auto total = static_cast<std::int64_t>(neg_i.size());
  const std::int64_t keep = std::min<std::int64_t>(
      total, static_cast<std::int64_t>(
                 std::floor(o.max_negative_ratio * static_cast<double>(out.a1.size()))));
  Index order(static_cast<std::size_t>(total));
  std::iota(order.begin(), order.end(), 0);
  if (keep < total) {
    if (o.hardest) {
      const auto delta =
          dissimilarity_matrix(embeddings, o.distance, o.normalize_embeddings).values<double>();
      std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
        return delta[neg_i[a] * n + neg_j[a]] < delta[neg_i[b] * n + neg_j[b]];
      });
    } else {
      for (std::int64_t t = 0; t < keep; ++t) {  // partial Fisher-Yates
        const auto r =
            t + static_cast<std::int64_t>(gen.next_u64() % static_cast<std::uint64_t>(total - t));
        std::swap(order[t], order[r]);
      }
    }
    order.resize(static_cast<std::size_t>(keep));
    std::sort(order.begin(), order.end());
  }
  for (std::int64_t t : order) {
    out.a2.push_back(neg_i[t]);
    out.n.push_back(neg_j[t]);
  }
  return out.tuples();
}

TripletTuples all_triplets(const Tensor& labels) {
  const auto y = check_labels_1d("all_triplets", labels);
  const auto n = static_cast<std::int64_t>(y.size());
  TripletLists out;
  for (std::int64_t a = 0; a < n; ++a)
    for (std::int64_t p = 0; p < n; ++p) {
      if (p == a || y[p] != y[a]) continue;
      for (std::int64_t k = 0; k < n; ++k)
        if (y[k] != y[a]) out.push(a, p, k);
    }
  return out.tuples();
}

TripletTuples batch_hard_triplets(const Tensor& embeddings, const Tensor& labels,
                                  const MinerDistance& o) {
  constexpr const char* kOp = "batch_hard_triplets";
  const auto y = check_labels_1d(kOp, labels);
  const auto delta = delta_of(kOp, embeddings, labels, o.distance, o.normalize_embeddings);
  const auto n = static_cast<std::int64_t>(y.size());
  TripletLists out;
  for (std::int64_t a = 0; a < n; ++a) {
    std::int64_t hard_p = -1, hard_n = -1;
    for (std::int64_t j = 0; j < n; ++j) {
      const double d = delta[a * n + j];
      if (j != a && y[j] == y[a]) {
        if (hard_p < 0 || d > delta[a * n + hard_p]) hard_p = j;
      } else if (y[j] != y[a]) {
        if (hard_n < 0 || d < delta[a * n + hard_n]) hard_n = j;
      }
    }
    if (hard_p >= 0 && hard_n >= 0) out.push(a, hard_p, hard_n);
  }
  return out.tuples();
}

TripletTuples semi_hard_triplets(const Tensor& embeddings, const Tensor& labels,
                                 const SemiHardOptions& o) {
  constexpr const char* kOp = "semi_hard_triplets";
  MINIDL_CHECK(o.margin > 0, kOp, ": margin must be > 0, got ", o.margin);
  const auto y = check_labels_1d(kOp, labels);
  const auto delta = delta_of(kOp, embeddings, labels, o.distance, o.normalize_embeddings);
  const auto n = static_cast<std::int64_t>(y.size());
  TripletLists out;
  for (std::int64_t a = 0; a < n; ++a)
    for (std::int64_t p = 0; p < n; ++p) {
      if (p == a || y[p] != y[a]) continue;
      const double ap = delta[a * n + p];
      for (std::int64_t k = 0; k < n; ++k) {
        if (y[k] == y[a]) continue;
        const double an = delta[a * n + k];
        if (ap < an && an < ap + o.margin) out.push(a, p, k);
      }
    }
  return out.tuples();
}

PairTuples hard_negative_pairs(const Tensor& embeddings, const Tensor& labels,
                               const HardNegativePairOptions& o) {
  constexpr const char* kOp = "hard_negative_pairs";
  MINIDL_CHECK(o.negatives_per_anchor >= 1, kOp, ": negatives_per_anchor must be >= 1, got ",
               o.negatives_per_anchor);
  const auto y = check_labels_1d(kOp, labels);
  const auto delta = delta_of(kOp, embeddings, labels, o.distance, o.normalize_embeddings);
  const auto n = static_cast<std::int64_t>(y.size());
  PairLists out;
  for (std::int64_t a = 0; a < n; ++a) {
    Index negatives;
    for (std::int64_t j = 0; j < n; ++j) {
      if (j != a && y[j] == y[a]) {
        out.a1.push_back(a);
        out.p.push_back(j);
      } else if (y[j] != y[a]) {
        negatives.push_back(j);
      }
    }
    const auto keep =
        std::min<std::int64_t>(o.negatives_per_anchor, static_cast<std::int64_t>(negatives.size()));
    // stable: equal deltas keep batch order, so the lower index wins a tie
    std::stable_sort(negatives.begin(), negatives.end(), [&](std::int64_t u, std::int64_t v) {
      return delta[a * n + u] < delta[a * n + v];
    });
    for (std::int64_t k = 0; k < keep; ++k) {
      out.a2.push_back(a);
      out.n.push_back(negatives[static_cast<std::size_t>(k)]);
    }
  }
  return out.tuples();
}

TripletTuples distance_weighted_triplets(const Tensor& embeddings, const Tensor& labels,
                                         Generator& gen, const DistanceWeightedOptions& o) {
  constexpr const char* kOp = "distance_weighted_triplets";
  MINIDL_CHECK(o.cutoff > 0 && o.nonzero_loss_cutoff > o.cutoff, kOp,
               ": need 0 < cutoff < nonzero_loss_cutoff, got ", o.cutoff, " and ",
               o.nonzero_loss_cutoff);
  const auto y = check_labels_1d(kOp, labels);
  const auto dist = delta_of(kOp, embeddings, labels, Distance::kEuclidean, true);
  const auto n = static_cast<std::int64_t>(y.size());
  const double dim = static_cast<double>(embeddings.size(1));
  TripletLists out;
  std::vector<double> log_w(static_cast<std::size_t>(n)), w(static_cast<std::size_t>(n));
  for (std::int64_t a = 0; a < n; ++a) {
    // log w = -log q(d) = (2 - D) log d - ((D - 3) / 2) log(1 - d^2 / 4), d >= cutoff
    double top = -std::numeric_limits<double>::infinity();
    for (std::int64_t j = 0; j < n; ++j) {
      const double d = std::max(dist[a * n + j], o.cutoff);
      double lw = -std::numeric_limits<double>::infinity();  // weight 0
      if (y[j] != y[a] && d < o.nonzero_loss_cutoff) {
        lw = (2.0 - dim) * std::log(d) - ((dim - 3.0) / 2.0) * std::log(1.0 - 0.25 * d * d);
        if (!std::isfinite(lw)) lw = -std::numeric_limits<double>::infinity();
      }
      log_w[static_cast<std::size_t>(j)] = lw;
      top = std::max(top, lw);
    }
    if (!std::isfinite(top)) continue;  // no negative with a non-zero weight
    double total = 0;
    for (std::int64_t j = 0; j < n; ++j) {
      const auto u = static_cast<std::size_t>(j);
      w[u] = std::isfinite(log_w[u]) ? std::exp(log_w[u] - top) : 0.0;
      total += w[u];
    }
    for (std::int64_t p = 0; p < n; ++p) {
      if (p == a || y[p] != y[a]) continue;
      // inverse CDF; the last negative with a weight absorbs rounding at the top end
      const double r = gen.uniform() * total;
      double acc = 0;
      std::int64_t pick = -1;
      for (std::int64_t j = 0; j < n; ++j) {
        if (w[static_cast<std::size_t>(j)] == 0) continue;
        pick = j;
        acc += w[static_cast<std::size_t>(j)];
        if (r < acc) break;
      }
      out.push(a, p, pick);
    }
  }
  return out.tuples();
}

PairTuples multi_similarity_pairs(const Tensor& embeddings, const Tensor& labels,
                                  const MultiSimilarityMinerOptions& o) {
  constexpr const char* kOp = "multi_similarity_pairs";
  MINIDL_CHECK(o.epsilon >= 0, kOp, ": epsilon must be >= 0, got ", o.epsilon);
  const auto y = check_labels_1d(kOp, labels);
  const auto delta = delta_of(kOp, embeddings, labels, o.distance, o.normalize_embeddings);
  const auto n = static_cast<std::int64_t>(y.size());
  constexpr double kInf = std::numeric_limits<double>::infinity();
  PairLists out;
  for (std::int64_t a = 0; a < n; ++a) {
    // In delta terms: the farthest positive and the closest negative of the anchor.
    double far_pos = -kInf, near_neg = kInf;
    for (std::int64_t j = 0; j < n; ++j) {
      if (j != a && y[j] == y[a]) far_pos = std::max(far_pos, delta[a * n + j]);
      if (y[j] != y[a]) near_neg = std::min(near_neg, delta[a * n + j]);
    }
    for (std::int64_t j = 0; j < n; ++j) {
      const double d = delta[a * n + j];
      if (j != a && y[j] == y[a] && d > near_neg - o.epsilon) {
        out.a1.push_back(a);
        out.p.push_back(j);
      } else if (y[j] != y[a] && d < far_pos + o.epsilon) {
        out.a2.push_back(a);
        out.n.push_back(j);
      }
    }
  }
  return out.tuples();
}

}  // namespace minidl::losses
