// k-d tree: exact k-nearest-neighbour search for low dimensions (layer 2, namespace
// minidl::index; interface in index/index.h), Friedman, Bentley & Finkel 1977, with bucket
// leaves and tight cell bounds (Arya & Mount 1993; as scipy's cKDTree and nanoflann).
//
// Build: the stored rows are split recursively at the median of the coordinate with the largest
// spread until a node holds at most leaf_size rows (O(N log N), rebuilt after add/remove); the
// rows are then copied in tree order, so a leaf is one contiguous block (transposed: coordinate
// j of its rows side by side, scanned 16 rows at a time in vector instructions, and a group
// whose nearest row is beyond the k-th best rejected by one compare), and every node keeps the
// tight box (per-coordinate min and max) of its rows.
// Search: depth first over an explicit stack, nearer child first; a child is entered only when
// the squared distance from the query to its box, sum_j max(0, lo_j - q_j, q_j - hi_j)^2, is at
// most the k-th best squared distance so far (a bounded max-heap). So the answer is exact: a
// pruned box cannot hold anything nearer. A tight box is smaller than the split cell (on
// clustered data much smaller: empty space between clusters is cut off), so fewer leaves are
// opened than with the split-offset bound. Up to 8 dimensions the dimension is a
// template argument (the coordinate loops unroll); a query allocates nothing. Queries run in the
// order of the leaf they fall in (sorted once per search call), so neighbouring queries reuse
// cached leaves. Profile at 8-d before these: half the time went to a mispredicted branch per
// coordinate in the box distance (now branch-free), then to scanning leaves.
// Cosine runs on unit rows, where |q - x|^2 = 2 - 2 cos(q, x) gives the same order; inner product
// is not a distance and always falls back.
//
// Fallback: a k-d tree visits a fraction of the rows that grows quickly with D (at 64 or 784
// dimensions it visits almost all of them and loses 24-35x to GEMM; issue 13), so above
// kKdMaxDim dimensions (options.max_dim), below kKdMinRows rows, or for inner product, search()
// is the exact GEMM scan of ExactIndex on the same rows. The threshold is measured with
// bench_ann --kdtree (Fashion-MNIST random projections, 60k base, 10k queries, top-10, one
// thread, process CPU seconds on a 2-core machine at load average 20): the tree over exact was
// 35x at 2-d, 20x at 4-d, 6.0x at 8-d, 1.9x at 12-d, 0.9x at 16-d and 0.1x at 64-d (wall time:
// 34x, 15x, 5.7x at 2, 4, 8-d, 1.0x at 16-d), so the rule is D <= 12.
#pragma once

#include "index/exact.h"

namespace minidl::index {

inline constexpr std::int64_t kKdMaxDim = 12;
inline constexpr std::int64_t kKdMinRows = 256;
// Automatic leaf size per dimension (32 rows at 2-d, 128 at 8-d). A leaf is scanned 8 rows per
// vector instruction while every inner node visited costs two box distances and a branch the CPU
// cannot predict, so large leaves win, the more so at higher D where more leaves are opened.
// Measured (bench_ann --kdtree --kd-leaf L, 60k x 10k, top-10, 1 thread, before the query
// ordering): at 2-d leaves of 8, 32, 128 rows gave 10, 38, 29x over exact; at 8-d 48, 64, 96,
// 128, 192, 256 rows gave 3.9, 4.2, 4.2, 4.7, 4.2, 4.2x (the spread is the machine's noise).
inline constexpr std::int64_t kKdLeafPerDim = 16;
// Median splits halve the rows: the depth stays below log2(2^63).
inline constexpr int kKdMaxDepth = 64;

struct KdTreeOptions {
  std::int64_t leaf_size = 0;  // rows per leaf at most; 0: kKdLeafPerDim x D
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
    std::int64_t begin, end;  // rows [begin, end) in tree order (point_ids_)
    std::int64_t soa = 0;     // a leaf's first float in points_
  };
  template <int kD>  // the dimension when known at compile time, else 0
  void search_one(const float* q, std::int64_t k, const Filter& filter, std::int64_t* ids,
                  float* keys) const;

  KdTreeOptions options_;
  std::vector<Node> nodes_;
  std::vector<float> points_;  // per leaf, contiguous: [D][rows padded to 16], tree order
  std::vector<std::int64_t> point_ids_;
  std::vector<float> boxes_;  // per node: the tight box of its rows, lo[D] then hi[D]
};

}  // namespace minidl::index
