// k-nearest-neighbour retrieval metrics on embeddings (layer 3, namespace minidl::metrics), as
// pytorch-metric-learning's AccuracyCalculator computes them when the query set is the reference
// set (every sample queries all the others; a query never retrieves itself).
//
// Shapes: N samples, D embedding features. embeddings float32 [N, D] (float64 is accepted and
// computed in float32), labels int64 [N] (any values; equal values are the same class).
//
// Ranking: for query i, the other N-1 samples are ordered by the key
//   Euclidean  d2(i, j) = max(|x_i|^2 + |x_j|^2 - 2 x_i.x_j, 0)  ascending (same order as the
//              distance; ranked on the square so sqrt cannot merge distinct values into ties)
//   Cosine     x_i.x_j / (|x_i| |x_j|)  descending (rows scaled to unit length first; a zero row
//              stays zero, as torch.nn.functional.normalize leaves it)
//   Dot        x_i.x_j descending
// Ties go to the lower index j. Self-exclusion is by index, not by distance, so an exact duplicate
// of the query is still retrieved (PML drops the first neighbour instead, which can be the
// duplicate rather than the query itself).
//
// Metrics, with c(y) = #{j : y_j == y}, R_i = c(y_i) - 1 (the other items of the query's class),
// rel_i(r) = [the r-th neighbour of i has label y_i], r = 1, 2, ...:
//   Precision@1     rel_i(1)
//   R-precision     (1/R_i) sum_{r<=R_i} rel_i(r)
//   MAP@R           (1/R_i) sum_{r<=R_i} rel_i(r) * (sum_{s<=r} rel_i(s)) / r
//                   (Musgrave et al. 2020, "A Metric Learning Reality Check", section 3.2)
//   Recall@K        [sum_{r<=K} rel_i(r) > 0]: some same-class item among the K nearest (the
//                   metric-learning convention of Song et al. 2016; K > N-1 counts as N-1)
// Each is averaged over the queries with R_i >= 1. A query whose class has no other member (a
// "lone" query) has nothing to retrieve and is left out of every average, as PML does; with no
// scored query at all, the averages are NaN. per_class_average = true takes the mean per class
// first and then the mean over classes (PML's avg_of_avgs). Unlike PML with faiss, R is never
// capped at 1023.
//
// Memory: the N x N distance matrix is never formed. Queries are processed in tiles of
// tile_rows rows (rounded up to a multiple of 32): single-threaded GEMMs of 32 query rows each
// against all N embeddings, then a partial selection of each row's k_i = min(N-1, max(R_i,
// max K)) nearest, sorted; only per-query scalars survive a tile. Tiles run in parallel on
// oneTBB (tensor/parallel.h), so peak extra memory is about (threads x tile_rows x N x 4 bytes)
// plus O(N). Every per-query value depends on its own row only, every GEMM call covers the same
// 32 query rows whatever the tile size, and the averages are summed in query order, so results
// are bitwise the same for any tile size and thread count on a given CPU and OpenBLAS kernel.
// Across CPUs (or OPENBLAS_CORETYPE values) the float32 distances may differ in the last bits,
// and so may the order of near-ties.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "index/factory.h"
#include "tensor/tensor.h"

namespace minidl::metrics {

enum class RetrievalDistance { kEuclidean, kCosine, kDot };

struct RetrievalOptions {
  RetrievalDistance distance = RetrievalDistance::kEuclidean;
  // The K of each Recall@K (each >= 1); R@1, 2, 4, 8 is the usual table for CUB-200 and Cars-196.
  std::vector<std::int64_t> recall_at = {1, 2, 4, 8};
  // Mean per class, then over classes (PML's avg_of_avgs), instead of the mean over queries.
  bool per_class_average = false;
  // Query rows per tile, rounded up to a multiple of 32; 0 picks rows so one tile's distance
  // block is about 8 MiB (32 to 1024 rows). It bounds memory; the results do not depend on it.
  std::int64_t tile_rows = 0;
  // Neighbours from this index (index/factory.h; the metric follows `distance`) instead of the
  // exact tiles: every sample queries it for its k_i + 1 nearest and drops itself. An
  // approximate index (HNSW, IVF, LSH) trades exactness for speed at large N; memory is then
  // about N x (max k + 1) ids in blocks of 1024 queries. tile_rows does not apply.
  std::optional<index::IndexSpec> index = std::nullopt;
};

struct RetrievalResult {
  double precision_at_1 = 0;
  double r_precision = 0;
  double map_at_r = 0;
  std::vector<std::int64_t> recall_k;  // the K values, as given in RetrievalOptions::recall_at
  std::vector<double> recall_at_k;     // one per K
  std::int64_t num_queries = 0;        // queries scored (R_i >= 1)
  std::int64_t num_lone = 0;           // queries left out (R_i == 0)
  std::int64_t max_k = 0;              // the most neighbours ranked for one query
  // Recall@K for one of the K in recall_k.
  double recall_at(std::int64_t k) const;
};

RetrievalResult retrieval_metrics(const Tensor& embeddings, const Tensor& labels,
                                  const RetrievalOptions& options = {});

// The k nearest other samples of every sample, in the ranking order above.
struct Neighbors {
  Tensor indices;    // int64 [N, k]
  Tensor distances;  // float32 [N, k]: the Euclidean distance, or the similarity (kCosine, kDot)
};
// k in [1, N-1]. Unlike retrieval_metrics this keeps N x k results: use it for small k. With
// options.index set, the neighbours come from that index (an approximate one that finds fewer
// than k for a sample is an error naming it).
Neighbors nearest_neighbors(const Tensor& embeddings, std::int64_t k,
                            const RetrievalOptions& options = {});

}  // namespace minidl::metrics
