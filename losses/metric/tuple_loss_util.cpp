// Losses on mined tuples, and the pieces every metric loss shares (tuple_loss_util.h).
//
// triplet_tuple_loss: for triplets (a_t, p_t, n_t) of a batch x [N, D],
//   delta(i, j) = D(x_i, x_j) for a distance, -s(x_i, x_j) for a similarity (cosine, dot)
//   l_t = [margin + delta(a_t, p_t) - delta(a_t, n_t)]_+        (soft: softplus(delta_ap -
//   delta_an)) mean: sum_t l_t / T, or / #{t : l_t > 0} with average_nonzero_only ("BA != 0",
//   Hermans et al.
//         2017); the count is a constant of the step (no gradient flows through it), and with no
//         non-zero term the mean is 0 (divided by 1).
//   dl_t/d delta_ap = [l_t > 0] = -dl_t/d delta_an; the kink (violation exactly 0) takes the
//   subgradient 0, consistent with the count of non-zero terms (soft: sigmoid, 1/2 at 0).
//   The distances come from one matrix of the batch (distance_util: one GEMM), read at the
//   tuples' entries, so T tuples cost a gather, not T D-dimensional differences.
//
// contrastive_pair_loss: the contrastive terms (below, tuple_loss_util.h) at every mined positive
// and negative pair, Euclidean distance from the squared-distance matrix; mean over all pairs,
// or with balanced the mean of the positives' terms plus the mean of the negatives' (weights and
// formula: reduce_pair_terms in tuple_loss_util.h, and contrastive_loss.cpp).
//
// No tuple at all (a batch of distinct labels, a miner that found nothing): exactly 0, zero
// gradients (zero_loss).
#include "losses/metric/tuple_loss_util.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/metric.h"
#include "tensor/ops.h"

namespace minidl::losses {
namespace metric_detail {
namespace {

void check_index(std::string_view op, const char* name, const Tensor& t, std::int64_t count,
                 std::int64_t n) {
  MINIDL_CHECK(t.defined(), op, ": tuple index '", name, "' is undefined");
  MINIDL_CHECK(t.dtype() == kInt64 && t.dim() == 1, op, ": tuple index '", name,
               "' must be int64 [T], got ", dtype_name(t.dtype()), " ", shape_str(t.shape()));
  MINIDL_CHECK(t.numel() == count, op, ": tuple index '", name, "' has ", t.numel(),
               " entries, expected ", count);
  const std::int64_t* v = t.data<std::int64_t>();
  for (std::int64_t i = 0; i < t.numel(); ++i)
    MINIDL_CHECK(v[i] >= 0 && v[i] < n, op, ": tuple index '", name, "' holds ", v[i],
                 " at position ", i, ", outside the batch [0, ", n, ")");
}

}  // namespace

Variable zero_loss(const Variable& x, Reduction reduction) {
  Variable none = narrow(reshape(x, {x.numel()}), 0, 0, 0);
  return reduction == Reduction::None ? none : sum(none);
}

void check_tuples(std::string_view op, const TripletTuples& t, std::int64_t n) {
  const std::int64_t count = t.anchor.defined() ? t.anchor.numel() : 0;
  check_index(op, "anchor", t.anchor, count, n);
  check_index(op, "positive", t.positive, count, n);
  check_index(op, "negative", t.negative, count, n);
}

void check_tuples(std::string_view op, const PairTuples& t, std::int64_t n) {
  const std::int64_t pos = t.anchor_pos.defined() ? t.anchor_pos.numel() : 0;
  const std::int64_t neg = t.anchor_neg.defined() ? t.anchor_neg.numel() : 0;
  check_index(op, "anchor_pos", t.anchor_pos, pos, n);
  check_index(op, "positive", t.positive, pos, n);
  check_index(op, "anchor_neg", t.anchor_neg, neg, n);
  check_index(op, "negative", t.negative, neg, n);
}

Variable matrix_entries(const Variable& m, const Tensor& rows, const Tensor& cols) {
  const std::int64_t width = m.size(1);
  const std::int64_t* r = rows.data<std::int64_t>();
  const std::int64_t* c = cols.data<std::int64_t>();
  std::vector<std::int64_t> flat(static_cast<std::size_t>(rows.numel()));
  for (std::size_t t = 0; t < flat.size(); ++t) flat[t] = r[t] * width + c[t];
  Tensor index = flat.empty() ? zeros({0}, kInt64) : from_vector(flat);
  return index_select(reshape(m, {m.numel()}), 0, index);
}

Variable contrastive_similar_terms(const Variable& d2, bool squared) {
  return squared ? mul(d2, 0.5) : safe_sqrt(d2);
}

Variable contrastive_dissimilar_terms(const Variable& d2, double margin, bool squared) {
  Variable hinge = relu(sub(margin, safe_sqrt(d2)));
  return squared ? mul(square(hinge), 0.5) : hinge;
}

Variable reduce_pair_terms(std::string_view op, const Variable& terms,
                           const std::vector<bool>& positive, const PairBalance& b,
                           Reduction reduction) {
  MINIDL_CHECK(std::isfinite(b.positive_weight) && b.positive_weight >= 0, op,
               ": positive_weight must be finite and >= 0, got ", b.positive_weight);
  MINIDL_CHECK(std::isfinite(b.negative_weight) && b.negative_weight >= 0, op,
               ": negative_weight must be finite and >= 0, got ", b.negative_weight);
  const auto count = static_cast<std::int64_t>(positive.size());
  const auto num_pos =
      static_cast<std::int64_t>(std::count(positive.begin(), positive.end(), true));
  const std::int64_t num_neg = count - num_pos;
  const bool plain = b.positive_weight == 1.0 && b.negative_weight == 1.0 &&
                     (!b.balanced || reduction != Reduction::Mean);
  if (plain) return reduce(terms, reduction, op);
  std::vector<double> c(static_cast<std::size_t>(count));
  for (std::size_t t = 0; t < c.size(); ++t) {
    const double w = positive[t] ? b.positive_weight : b.negative_weight;
    double divisor = 1.0;
    if (reduction == Reduction::Mean)
      divisor = static_cast<double>(!b.balanced ? count : positive[t] ? num_pos : num_neg);
    c[t] = w / divisor;
  }
  Variable weighted = mul(terms, Variable(from_vector(c).to(terms.dtype())));
  return reduction == Reduction::None ? weighted : sum(weighted);
}

}  // namespace metric_detail

Variable triplet_tuple_loss(const Variable& embeddings, const TripletTuples& t,
                            const TripletTupleLossOptions& o) {
  constexpr const char* kOp = "triplet_tuple_loss";
  check_floating(kOp, "embeddings", embeddings);
  MINIDL_CHECK(embeddings.dim() == 2, kOp, ": embeddings must be [N, D], got ",
               shape_str(embeddings.shape()));
  check_not_empty(kOp, "embeddings", embeddings);
  MINIDL_CHECK(o.soft_margin || o.margin >= 0, kOp, ": margin must be >= 0, got ", o.margin);
  MINIDL_CHECK(o.reduction != Reduction::BatchMean, kOp,
               ": reduction must be 'none', 'mean' or 'sum'");
  metric_detail::check_tuples(kOp, t, embeddings.size(0));
  TripletDiagnostics diag;
  if (t.count() == 0) {
    if (o.diagnostics) *o.diagnostics = diag;
    return metric_detail::zero_loss(embeddings, o.reduction);
  }
  Variable x = o.normalize_embeddings ? l2_normalize(embeddings) : embeddings;
  Variable m = distance_matrix(o.distance, x);
  Variable ap = metric_detail::matrix_entries(m, t.anchor, t.positive);
  Variable an = metric_detail::matrix_entries(m, t.anchor, t.negative);
  // delta_ap - delta_an, with delta = -s for similarities
  Variable gap = is_similarity(o.distance) ? sub(an, ap) : sub(ap, an);
  Variable terms = o.soft_margin ? softplus(gap) : relu(add(gap, o.margin));

  diag.num_triplets = t.count();
  diag.num_active = static_cast<std::int64_t>(sum(gt(terms.value(), 0.0)).item());
  diag.num_anchors = static_cast<std::int64_t>(
      std::set<std::int64_t>(t.anchor.data<std::int64_t>(),
                             t.anchor.data<std::int64_t>() + t.anchor.numel())
          .size());
  diag.mean_positive = mean(ap.value()).item();
  diag.mean_negative = mean(an.value()).item();
  if (o.diagnostics) *o.diagnostics = diag;

  if (o.reduction == Reduction::Mean && o.average_nonzero_only)
    return div(sum(terms), static_cast<double>(std::max<std::int64_t>(diag.num_active, 1)));
  return reduce(terms, o.reduction, kOp);
}

Variable contrastive_pair_loss(const Variable& embeddings, const PairTuples& pairs,
                               const ContrastivePairLossOptions& o) {
  constexpr const char* kOp = "contrastive_pair_loss";
  check_floating(kOp, "embeddings", embeddings);
  MINIDL_CHECK(embeddings.dim() == 2, kOp, ": embeddings must be [N, D], got ",
               shape_str(embeddings.shape()));
  check_not_empty(kOp, "embeddings", embeddings);
  MINIDL_CHECK(o.margin >= 0, kOp, ": margin must be >= 0, got ", o.margin);
  MINIDL_CHECK(o.reduction != Reduction::BatchMean, kOp,
               ": reduction must be 'none', 'mean' or 'sum'");
  metric_detail::check_tuples(kOp, pairs, embeddings.size(0));
  if (pairs.count() == 0) return metric_detail::zero_loss(embeddings, o.reduction);
  Variable x = o.normalize_embeddings ? l2_normalize(embeddings) : embeddings;
  Variable d2 = distance_matrix(Distance::kSquaredEuclidean, x);
  std::vector<Variable> parts;
  if (pairs.num_positive() > 0)
    parts.push_back(metric_detail::contrastive_similar_terms(
        metric_detail::matrix_entries(d2, pairs.anchor_pos, pairs.positive), o.squared));
  if (pairs.num_negative() > 0)
    parts.push_back(metric_detail::contrastive_dissimilar_terms(
        metric_detail::matrix_entries(d2, pairs.anchor_neg, pairs.negative), o.margin, o.squared));
  Variable terms = parts.size() == 1 ? parts[0] : concat(parts, 0);
  std::vector<bool> positive(static_cast<std::size_t>(pairs.count()), false);
  std::fill_n(positive.begin(), pairs.num_positive(), true);
  return metric_detail::reduce_pair_terms(
      kOp, terms, positive, {o.balanced, o.positive_weight, o.negative_weight}, o.reduction);
}

}  // namespace minidl::losses
