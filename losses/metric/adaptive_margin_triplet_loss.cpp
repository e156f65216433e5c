// adaptive_margin_triplet_loss: a triplet loss whose margin is set per class pair, by the "dynamic
// violate margin" of the Hierarchical Triplet Loss (HTL) of Ge, Huang, Dong and Scott, "Deep
// Metric Learning with Hierarchical Triplet Loss", ECCV 2018 (arXiv:1810.06951), section 3.2:
//
//   l_t = [D(a, p) - D(a, n) + alpha(y_a, y_n)]_+    for the triplets t = (a, p, n) of the batch:
//     every valid one (default), or with batch_hard one per anchor, its hardest positive and
//     hardest negative (Hermans et al. 2017; ties to the lower index), as a stand-in for the hard
//     triplets HTL's hierarchy samples (neighbouring classes in one batch)
//   HTL:   alpha = beta + d_{H(y_a, y_n)} - s_{y_a}
//     d_H   the distance at which the classes y_a and y_n merge in HTL's class hierarchy
//     s_y   the average distance between the samples of class y (its spread)
//   here, with the hierarchy flattened to one level (each pair of classes is its own node, so the
//   merge distance is the distance between the two classes, HTL's class distance):
//     d(p, q) = mean_{i in p, j in q} D(x_i, x_j)      s(p) = mean_{i != j in p} D(x_i, x_j)
//     alpha(p, q) = max(0, beta + d(p, q) - s(p))       (clamped: a negative margin would ask
//                                                        for nothing)
//   D is the Euclidean distance (rows L2-normalised first with normalize_embeddings); the class
//   statistics come from the batch itself (HTL rebuilds its hierarchy from the whole training
//   set once per epoch; a P x K batch is the online estimate) and are constants of the backward,
//   as HTL's hierarchy is.
//   mean: over the T triplets (HTL's 1 / Z)   sum   none: [T] in the miner's order
//
// What "difficulty" means here, read from the rule: alpha measures how far class y_n stands from
// class y_a relative to the spread of y_a. Classes far apart relative to the anchor class's own
// spread get a larger margin (they can afford it); a confusable pair (classes interleaved,
// d(p, q) ~ s(p)) gets about beta, the base margin; a class whose samples spread widely gets a
// smaller one. HTL uses the hierarchy to *sample* the confusable pairs together in a batch; the
// margin then follows the class structure rather than a single global constant. Over every
// triplet of a batch this margin is about the class pair's average gap, so roughly half of all
// triplets stay active whatever the embedding does; with hard triplets (batch_hard) it is the
// bar the hardest negative must clear, and training on Fashion-MNIST works much better (see the
// example).
//
// Gradient: through D(a, p) and D(a, n) only (alpha is a value): dl/dD(a, p) = [l_t > 0] =
// -dl/dD(a, n); the hinge's kink takes the subgradient 0. D = |a - b| with the gradient 0 for
// identical rows (safe_sqrt). A batch with no triplet (every label distinct, or a single class)
// gives exactly 0 with zero gradients.
#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "autograd/functional.h"
#include "losses/metric/distance_util.h"
#include "losses/metric/miner_util.h"
#include "losses/metric/tuple_loss_util.h"
#include "losses/metric_angular.h"

namespace minidl::losses {
namespace {

constexpr const char* kOp = "adaptive_margin_triplet_loss";

void check_batch(const Variable& embeddings, const Variable& labels) {
  check_floating(kOp, "embeddings", embeddings);
  check_int64(kOp, "labels", labels);
  MINIDL_CHECK(embeddings.dim() == 2, kOp, ": embeddings must be [N, D], got ",
               shape_str(embeddings.shape()));
  check_not_empty(kOp, "embeddings", embeddings);
  MINIDL_CHECK(labels.dim() == 1 && labels.size(0) == embeddings.size(0), kOp, ": labels must be [",
               embeddings.size(0), "], got ", shape_str(labels.shape()));
}

}  // namespace

AdaptiveTriplets adaptive_triplet_margins(const Tensor& embeddings, const Tensor& labels,
                                          const AdaptiveMarginTripletLossOptions& o) {
  check_batch(Variable(embeddings), Variable(labels));
  MINIDL_CHECK(o.beta >= 0, kOp, ": beta must be >= 0, got ", o.beta);
  Tensor x = embeddings.to(DType::kFloat64);
  if (o.normalize_embeddings) x = l2_normalize(Variable(x)).value();
  const std::int64_t n = x.size(0), d = x.size(1);
  const double* xv = x.data<double>();
  const std::int64_t* y = labels.data<std::int64_t>();
  // Class-pair sums of D over sample pairs i != j: (class_i, class_j) -> (sum, count).
  std::map<std::pair<std::int64_t, std::int64_t>, std::pair<double, double>> acc;
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      if (i == j) continue;
      double s2 = 0;
      for (std::int64_t k = 0; k < d; ++k) {
        const double diff = xv[i * d + k] - xv[j * d + k];
        s2 += diff * diff;
      }
      auto& [sum, count] = acc[{y[i], y[j]}];
      sum += std::sqrt(s2);
      count += 1;
    }
  const auto mean = [&](std::int64_t p, std::int64_t q) {
    const auto& [sum, count] = acc.at({p, q});
    return sum / count;
  };
  AdaptiveTriplets out;
  out.triplets = o.batch_hard
                     ? batch_hard_triplets(embeddings, labels,
                                           {.normalize_embeddings = o.normalize_embeddings})
                     : all_triplets(labels);
  const TripletTuples& t = out.triplets;
  std::vector<double> margins(static_cast<std::size_t>(t.count()));
  for (std::int64_t k = 0; k < t.count(); ++k) {
    const std::int64_t ya = y[t.anchor.data<std::int64_t>()[k]];
    const std::int64_t yn = y[t.negative.data<std::int64_t>()[k]];
    margins[static_cast<std::size_t>(k)] = std::max(0.0, o.beta + mean(ya, yn) - mean(ya, ya));
  }
  out.margins = from_vector(margins);
  return out;
}

Variable adaptive_margin_triplet_loss(const Variable& embeddings, const Variable& labels,
                                      const AdaptiveMarginTripletLossOptions& o) {
  check_batch(embeddings, labels);
  MINIDL_CHECK(o.reduction != Reduction::BatchMean, kOp,
               ": reduction must be 'none', 'mean' or 'sum'");
  AdaptiveTriplets at = adaptive_triplet_margins(embeddings.value(), labels.value(), o);
  const TripletTuples& t = at.triplets;
  const Tensor margins = o.margins.defined() ? o.margins : at.margins;
  MINIDL_CHECK(margins.dim() == 1 && margins.numel() == t.count(), kOp, ": margins must be [",
               t.count(), "] (one per triplet), got ", shape_str(margins.shape()));
  if (t.count() == 0) return metric_detail::zero_loss(embeddings, o.reduction);
  const Variable x = o.normalize_embeddings ? l2_normalize(embeddings) : embeddings;
  const Variable a = index_select(x, 0, t.anchor);
  const Variable d_ap = euclidean(a, index_select(x, 0, t.positive));
  const Variable d_an = euclidean(a, index_select(x, 0, t.negative));
  const Variable m(margins.to(x.dtype()));
  return reduce(relu(add(sub(d_ap, d_an), m)), o.reduction, kOp);
}

}  // namespace minidl::losses
