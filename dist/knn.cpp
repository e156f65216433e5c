#include "dist/knn.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "dist/comm.h"
#include "tensor/error.h"

namespace minidl::dist {
namespace {

bool similarity(index::Metric m) {
  return m == index::Metric::kCosine || m == index::Metric::kInnerProduct;
}

index::Metric metric_of(metrics::RetrievalDistance d) {
  switch (d) {
    case metrics::RetrievalDistance::kCosine:
      return index::Metric::kCosine;
    case metrics::RetrievalDistance::kDot:
      return index::Metric::kInnerProduct;
    default:
      return index::Metric::kSquaredL2;  // ranked on the square, as retrieval.h does
  }
}

}  // namespace

index::SearchResult sharded_search(const Tensor& shard, std::int64_t first_id,
                                   const Tensor& queries, std::int64_t k, index::Metric metric) {
  MINIDL_CHECK(k >= 1, "dist::sharded_search: k must be >= 1, got ", k);
  MINIDL_CHECK(queries.defined() && queries.dim() == 2,
               "dist::sharded_search: queries must be "
               "[Q, D]");
  MINIDL_CHECK(shard.defined() && shard.dim() == 2 && shard.size(1) == queries.size(1),
               "dist::sharded_search: the shard must be [n, D] with the queries' D = ",
               queries.size(1), ", got ", shard.defined() ? shape_str(shard.shape()) : "undefined");
  MINIDL_CHECK(first_id >= 0, "dist::sharded_search: first_id must be >= 0, got ", first_id);
  const std::int64_t q = queries.size(0), n = shard.size(0);
  const auto qk = static_cast<std::size_t>(q * k);
  std::vector<std::int64_t> ids(qk, -1);
  std::vector<float> keys(qk, std::numeric_limits<float>::quiet_NaN());
  if (n > 0 && q > 0) {
    const std::int64_t kl = std::min(k, n);
    index::SearchResult local = index::exact_search(shard, queries, kl, metric);
    const std::int64_t* li = local.indices.data<std::int64_t>();
    const float* ld = local.distances.data<float>();
    for (std::int64_t i = 0; i < q; ++i)
      for (std::int64_t j = 0; j < kl; ++j) {
        if (li[i * kl + j] < 0) continue;
        ids[static_cast<std::size_t>(i * k + j)] = li[i * kl + j] + first_id;
        keys[static_cast<std::size_t>(i * k + j)] = ld[i * kl + j];
      }
  }
  const std::vector<std::int64_t> all_ids = allgather(ids);
  const std::vector<float> all_keys = allgather(keys);
  const int p = world_size();
  const bool sim = similarity(metric);
  index::SearchResult out{empty({q, k}, kInt64), empty({q, k}, kFloat32)};
  std::int64_t* oi = out.indices.data<std::int64_t>();
  float* od = out.distances.data<float>();
  std::vector<std::pair<float, std::int64_t>> cand;
  for (std::int64_t i = 0; i < q; ++i) {
    cand.clear();
    for (int r = 0; r < p; ++r)
      for (std::int64_t j = 0; j < k; ++j) {
        const std::size_t at =
            static_cast<std::size_t>(r) * qk + static_cast<std::size_t>(i * k + j);
        if (all_ids[at] >= 0) cand.emplace_back(all_keys[at], all_ids[at]);
      }
    const std::size_t take = std::min<std::size_t>(cand.size(), static_cast<std::size_t>(k));
    std::partial_sort(cand.begin(), cand.begin() + static_cast<std::ptrdiff_t>(take), cand.end(),
                      [sim](const auto& a, const auto& b) {
                        if (a.first != b.first) return sim ? a.first > b.first : a.first < b.first;
                        return a.second < b.second;
                      });
    for (std::int64_t j = 0; j < k; ++j) {
      const bool has = static_cast<std::size_t>(j) < take;
      oi[i * k + j] = has ? cand[static_cast<std::size_t>(j)].second : -1;
      od[i * k + j] =
          has ? cand[static_cast<std::size_t>(j)].first : std::numeric_limits<float>::quiet_NaN();
    }
  }
  return out;
}

metrics::RetrievalResult retrieval_metrics(const Tensor& shard, const Tensor& shard_labels,
                                           const ShardedRetrievalOptions& options) {
  MINIDL_CHECK(shard.defined() && shard.dim() == 2,
               "dist::retrieval_metrics: embeddings must be "
               "[n, D]");
  MINIDL_CHECK(shard_labels.defined() && shard_labels.dtype() == kInt64 &&
                   shard_labels.dim() == 1 && shard_labels.size(0) == shard.size(0),
               "dist::retrieval_metrics: labels must be int64 [", shard.size(0), "]");
  MINIDL_CHECK(options.query_block >= 1, "dist::retrieval_metrics: query_block must be >= 1");
  for (std::int64_t k : options.recall_at)
    MINIDL_CHECK(k >= 1, "dist::retrieval_metrics: every recall_at K must be >= 1, got ", k);
  const Tensor x = shard.to(kFloat32);
  const int p = world_size(), me = rank();
  const std::int64_t d = x.size(1);
  MINIDL_CHECK(allreduce_max(double(d)) == -allreduce_max(-double(d)),
               "dist::retrieval_metrics: the ranks' embeddings differ in width");
  const std::vector<std::int64_t> sizes = allgather(std::vector<std::int64_t>{x.size(0)});
  std::vector<std::int64_t> first(static_cast<std::size_t>(p) + 1, 0);
  for (int r = 0; r < p; ++r) first[r + 1] = first[r] + sizes[static_cast<std::size_t>(r)];
  const std::int64_t n = first[static_cast<std::size_t>(p)];
  MINIDL_CHECK(n >= 2, "dist::retrieval_metrics: needs at least 2 samples over all ranks, got ", n);
  // Global labels and class counts (8 bytes a sample; the vectors stay sharded).
  std::vector<std::int64_t> labels;
  {
    std::vector<std::int64_t> mine = shard_labels.values<std::int64_t>();
    const std::int64_t longest =
        static_cast<std::int64_t>(allreduce_max(static_cast<double>(mine.size())));
    mine.resize(static_cast<std::size_t>(longest), 0);
    const std::vector<std::int64_t> padded = allgather(mine);
    for (int r = 0; r < p; ++r)
      labels.insert(labels.end(), padded.begin() + r * longest,
                    padded.begin() + r * longest + sizes[static_cast<std::size_t>(r)]);
  }
  std::vector<std::int64_t> sorted = labels;
  std::sort(sorted.begin(), sorted.end());
  auto class_count = [&](std::int64_t y) {
    auto [lo, hi] = std::equal_range(sorted.begin(), sorted.end(), y);
    return static_cast<std::int64_t>(hi - lo);
  };
  std::int64_t max_recall = 0;
  for (std::int64_t k : options.recall_at) max_recall = std::max(max_recall, k);
  const index::Metric metric = metric_of(options.distance);

  // Sums of the per-query values: P@1, R-precision, MAP@R, then one per K.
  std::vector<double> sums(3 + options.recall_at.size(), 0.0);
  std::int64_t scored = 0, lone = 0, max_k = 0;
  for (int s = 0; s < p; ++s) {
    for (std::int64_t b0 = 0; b0 < sizes[static_cast<std::size_t>(s)]; b0 += options.query_block) {
      const std::int64_t m = std::min(options.query_block, sizes[static_cast<std::size_t>(s)] - b0);
      Tensor block = me == s ? x.narrow_rows(b0, m).clone() : empty({m, d}, kFloat32);
      broadcast(block, s);
      std::int64_t kb = 0;  // the block's largest k_i, + 1 for the query itself
      for (std::int64_t i = 0; i < m; ++i) {
        const std::int64_t r_i =
            class_count(labels[static_cast<std::size_t>(first[s] + b0 + i)]) - 1;
        kb = std::max(kb, std::min(n - 1, std::max(r_i, max_recall)));
      }
      const index::SearchResult res = sharded_search(x, first[me], block, kb + 1, metric);
      if (me != s) continue;
      const std::int64_t* ids = res.indices.data<std::int64_t>();
      for (std::int64_t i = 0; i < m; ++i) {
        const std::int64_t self = first[s] + b0 + i, y = labels[static_cast<std::size_t>(self)];
        const std::int64_t r_i = class_count(y) - 1;
        if (r_i < 1) {
          ++lone;
          continue;
        }
        ++scored;
        const std::int64_t k_i = std::min(n - 1, std::max(r_i, max_recall));
        max_k = std::max(max_k, k_i);
        std::vector<int> rel;
        for (std::int64_t j = 0; j <= kb && static_cast<std::int64_t>(rel.size()) < k_i; ++j) {
          const std::int64_t id = ids[i * (kb + 1) + j];
          if (id == self || id < 0) continue;
          rel.push_back(labels[static_cast<std::size_t>(id)] == y ? 1 : 0);
        }
        double hits = 0, rprec = 0, map = 0;
        for (std::int64_t r = 0; r < r_i && r < static_cast<std::int64_t>(rel.size()); ++r) {
          if (!rel[static_cast<std::size_t>(r)]) continue;
          hits += 1;
          rprec += 1;
          map += hits / static_cast<double>(r + 1);
        }
        sums[0] += rel.empty() ? 0 : rel[0];
        sums[1] += rprec / static_cast<double>(r_i);
        sums[2] += map / static_cast<double>(r_i);
        for (std::size_t q = 0; q < options.recall_at.size(); ++q) {
          const std::int64_t kk = std::min<std::int64_t>(options.recall_at[q], rel.size());
          sums[3 + q] +=
              std::any_of(rel.begin(), rel.begin() + kk, [](int v) { return v; }) ? 1 : 0;
        }
      }
    }
  }
  allreduce_sum(sums);
  std::vector<std::int64_t> counts{scored, lone};
  allreduce_sum(counts);
  metrics::RetrievalResult out;
  out.num_queries = counts[0];
  out.num_lone = counts[1];
  out.max_k = static_cast<std::int64_t>(allreduce_max(static_cast<double>(max_k)));
  const double nq =
      counts[0] > 0 ? static_cast<double>(counts[0]) : std::numeric_limits<double>::quiet_NaN();
  out.precision_at_1 = sums[0] / nq;
  out.r_precision = sums[1] / nq;
  out.map_at_r = sums[2] / nq;
  out.recall_k = options.recall_at;
  for (std::size_t q = 0; q < options.recall_at.size(); ++q)
    out.recall_at_k.push_back(sums[3 + q] / nq);
  return out;
}

}  // namespace minidl::dist
