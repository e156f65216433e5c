// Sharded exact k-nearest-neighbour search and retrieval metrics (layer 4, namespace
// minidl::dist): for a base set larger than one machine's memory, each rank holds one shard of
// the rows (any split; global ids first_id .. first_id + n_r - 1 on rank r) and searches only it.
//
// sharded_search, for queries Q [q, D] given alike on every rank:
//   local:  index::exact_search(shard, Q, min(k, n_r)) with ids shifted by first_id, padded to k
//           with id -1 / NaN;
//   merge:  allgather of the P candidate lists (q x k ids and keys per rank, O(P q k) traffic,
//           never the vectors), then per query the k best of the P k candidates by (key, id):
//           nearer first (ascending distance for the L2 metrics, descending similarity for
//           kCosine / kInnerProduct, as index/index.h ranks them), ties to the lower global id.
// The result is every rank's, identical. It equals exact_search over the concatenated base up to
// the last bits of the distances (a shard's GEMM calls have other shapes) and hence the order of
// near-ties.
//
// retrieval_metrics: metrics::retrieval_metrics (metrics/retrieval.h: Precision@1, R-precision,
// MAP@R, Recall@K, every sample querying all others) over embeddings sharded by rows, rank r
// holding rows [first_id, first_id + n_r) with their labels. The ranks take turns: rank s's rows
// are sent to all in blocks of query_block rows, each rank searches its shard for the block's
// k_i + 1 nearest (k_i as in retrieval.h, from the global class counts: the labels, 8 bytes a
// sample, are gathered; the embeddings never are), and the candidates are merged as above, the
// query itself dropped by id. Per-query values are summed over ranks. Memory per rank: its shard,
// one query block, and query_block x max k candidates per rank.
#pragma once

#include <cstdint>

#include "index/index.h"
#include "metrics/retrieval.h"
#include "tensor/tensor.h"

namespace minidl::dist {

index::SearchResult sharded_search(const Tensor& shard, std::int64_t first_id,
                                   const Tensor& queries, std::int64_t k,
                                   index::Metric metric = index::Metric::kL2);

struct ShardedRetrievalOptions {
  metrics::RetrievalDistance distance = metrics::RetrievalDistance::kEuclidean;
  std::vector<std::int64_t> recall_at = {1, 2, 4, 8};
  std::int64_t query_block = 1024;  // query rows sent per round
};

// The shards are contiguous in rank order: rank r's rows are the global rows from the sum of the
// shard sizes of ranks 0..r-1 on (the sizes are gathered). per_class_average is not offered.
metrics::RetrievalResult retrieval_metrics(const Tensor& shard, const Tensor& shard_labels,
                                           const ShardedRetrievalOptions& options = {});

}  // namespace minidl::dist
