// Clustering and clustering-agreement scores (layer 3, namespace minidl::metrics): k-means with
// k-means++ seeding (from index/, where IVF uses it), NMI and ARI as scikit-learn computes them.
//
// Shapes: N samples, D features, K clusters. x float32 [N, D] (float64 accepted, computed in
// float32 for the distances); labels int64 [N] of any values.
//
// k-means (k-means++ seeding, Lloyd iterations): index/kmeans.h, re-exported here.
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

#include "index/kmeans.h"
#include "tensor/tensor.h"

namespace minidl::metrics {

using index::kmeans;
using index::KMeansOptions;
using index::KMeansResult;

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
