// k-d tree: exact k-nearest-neighbour search for low dimensions (layer 2, namespace
// minidl::index; interface in index/index.h), Friedman, Bentley & Finkel 1977, with the
// incremental distance bound of Arya & Mount 1993 (as scipy's cKDTree).
//
// Build: the stored rows are split recursively at the median of the coordinate with the largest
// spread until a node holds at most leaf_size rows (O(N log N), rebuilt after add/remove).
// Search: depth first, nearer child first; a far child is entered only when the squared distance
// from the query to its cell, rd = sum_j off_j^2 (off_j: offset from the query to the cell's
// boundary on split coordinate j, updated per split), is at most the k-th best squared distance so
// far. So the answer is exact: a pruned cell cannot hold anything nearer.
// Cosine runs on unit rows, where |q - x|^2 = 2 - 2 cos(q, x) gives the same order; inner product
// is not a distance and always falls back.
//
// Fallback: a k-d tree visits a fraction of the rows that grows quickly with D (at 64 or 784
// dimensions it visits almost all of them, one at a time, and loses 24-35x to GEMM; issue 13), so
// above kKdMaxDim dimensions (options.max_dim), below kKdMinRows rows, or for inner product,
// search() is the exact GEMM scan of ExactIndex on the same rows. The threshold is measured:
// bench/ann_bench.cpp
// --kdtree prints both at D = 2..64.
#pragma once

#include "index/exact.h"

namespace minidl::index {

inline constexpr std::int64_t kKdMaxDim = 8;
inline constexpr std::int64_t kKdMinRows = 256;

struct KdTreeOptions {
  std::int64_t leaf_size = 16;
  // The tree is used up to this many dimensions (kKdMaxDim: where it stops winning); the bench
  // raises it to time the tree where the fallback would take over.
  std::int64_t max_dim = kKdMaxDim;
};

class KdTreeIndex : public ExactIndex {
 public:
  KdTreeIndex(std::int64_t dim, Metric metric = Metric::kL2, KdTreeOptions options = {});
  const char* kind() const override { return "kdtree"; }
  std::size_t memory_bytes() const override;
  // Whether search() walks the tree (true) or falls back to the GEMM scan.
  bool uses_tree() const;
  const KdTreeOptions& options() const { return options_; }

 protected:
  void search_prepared(const float* q, std::int64_t nq, std::int64_t k, const Filter& filter,
                       std::int64_t* ids, float* keys) const override;
  void save_body(Writer& w) const override;
  void load_body(Reader& r) override;
  void rebuilt(std::int64_t from_row) override;

 private:
  struct Node {
    std::int32_t dim;  // split coordinate, -1 for a leaf
    float split;       // left: coordinate <= split (by position after the median split)
    std::int32_t left, right;
    std::int64_t begin, end;  // rows [begin, end) of order_
  };
  void search_one(const float* q, std::int64_t k, const Filter& filter, std::int64_t* ids,
                  float* keys) const;

  KdTreeOptions options_;
  std::vector<Node> nodes_;
  std::vector<float> points_;  // rows in tree order, [n, D], so a leaf is contiguous
  std::vector<std::int64_t> point_ids_;
};

}  // namespace minidl::index
