// Clustering and clustering-agreement scores (layer 3, namespace minidl::metrics): k-means with
// k-means++ seeding, NMI and ARI as scikit-learn computes them.
//
// Shapes: N samples, D features, K clusters. x float32 [N, D] (float64 accepted, computed in
// float32 for the distances); labels int64 [N] of any values.
//
// k-means (Lloyd): minimise the inertia sum_i |x_i - c_{a_i}|^2.
//   Seeding: greedy k-means++ (Arthur & Vassilvitskii 2007, with scikit-learn's local trials):
//   the first centre is a uniform sample; each next one draws 2 + floor(ln K) candidates with
//   probability proportional to D(x)^2 (the squared distance to the nearest chosen centre) and
//   keeps the candidate that lowers sum D(x)^2 the most.
//   Iteration: assign each point to its nearest centre (squared distances |x|^2 + |c|^2 - 2 x.c
//   by GEMM; ties to the lower centre index), move each centre to the mean of its points. Stop
//   when the assignment no longer changes, or when the summed squared centre shift is at most
//   tol * (mean over features of the feature variance) (scikit-learn's relative tol), or after
//   max_iter iterations; after a tol stop the points are assigned once more to the final centres.
//   An empty cluster takes the point farthest from its current centre (ties: lower index), as
//   scikit-learn relocates empty clusters.
//   Restarts: n_init seedings, each from its own stream of the seed; the run with the lowest
//   inertia is kept (the first one on equal inertia). inertia is recomputed exactly in double.
//
// NMI (scikit-learn's normalized_mutual_info_score, average_method = "arithmetic"):
//   n_uv = #{i : u_i = u, v_i = v}, a_u = sum_v n_uv, b_v = sum_u n_uv, natural logarithms,
//   MI = sum_{n_uv > 0} (n_uv / N) log(N n_uv / (a_u b_v))  (terms below 2^-52 are 0, total >= 0)
//   H(U) = -sum_u (a_u / N) log(a_u / N)
//   NMI = MI / ((H(U) + H(V)) / 2), with 1 when both labelings have a single cluster and 0 when
//   MI == 0 otherwise.
// ARI (scikit-learn's adjusted_rand_score, Hubert & Arabie 1985), from the pair counts over
// unordered pairs: tp same/same, fp different-true same-pred, fn same-true different-pred,
// tn different/different:
//   ARI = 2 (tp tn - fn fp) / ((tp + fn)(fn + tn) + (tp + fp)(fp + tn)),  1 when fn = fp = 0.
#pragma once

#include <cstdint>

#include "tensor/tensor.h"

namespace minidl::metrics {

struct KMeansOptions {
  std::int64_t n_init = 10;     // seedings; the lowest-inertia run is kept
  std::int64_t max_iter = 300;  // Lloyd iterations per run
  double tol = 1e-4;            // relative to the mean feature variance (see above)
  std::uint64_t seed = 0;
};

struct KMeansResult {
  Tensor centroids;  // float32 [K, D]
  Tensor labels;     // int64 [N], values in [0, K)
  double inertia = 0;
  std::int64_t iterations = 0;  // Lloyd iterations of the kept run
};

// k in [1, N].
KMeansResult kmeans(const Tensor& x, std::int64_t k, const KMeansOptions& options = {});

// Both int64 [N], N >= 1; the label values are arbitrary.
double normalized_mutual_info(const Tensor& labels_true, const Tensor& labels_pred);
double adjusted_rand_index(const Tensor& labels_true, const Tensor& labels_pred);

// k-means of the embeddings with K = the number of distinct labels, scored against the labels
// (pytorch-metric-learning's NMI, plus ARI).
struct ClusteringScores {
  double nmi = 0;
  double ari = 0;
  KMeansResult clustering;
};
ClusteringScores cluster_and_score(const Tensor& embeddings, const Tensor& labels,
                                   const KMeansOptions& options = {});

}  // namespace minidl::metrics
