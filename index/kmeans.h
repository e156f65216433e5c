// k-means (layer 2, namespace minidl::index): Lloyd iterations from k-means++ seeds. It lives in
// index/ because IVF-Flat trains its coarse quantizer with it; metrics/clustering.h re-exports it
// for clustering scores (layer 3 may use layer 2, not the other way round).
//
// Shapes: N samples, D features, K clusters. x float32 [N, D] (float64 accepted, computed in
// float32 for the distances).
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
#pragma once

#include <cstdint>

#include "tensor/tensor.h"

namespace minidl::index {

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

}  // namespace minidl::index
