// Exact k-nearest-neighbour search by GEMM tiles with the top-k selection fused into the tile
// loop (layer 2, namespace minidl::index; interface and metrics in index/index.h).
//
// Keys (smaller is nearer), from one GEMM block G = Q_tile X_block^T:
//   squared L2  |x|^2 - 2 q.x   (+|q|^2 added once per result: the same order)
//   cosine, ip  -q.x            (rows unit length for cosine)
// Per query tile of kQueryTile rows and per block of kBaseBlock stored rows: one single-threaded
// sgemm of exactly that shape (the last ones shorter), keys made in place, then every row's keys
// go through a bounded max-heap of k (index/detail.h TopK): a 16-key block is checked against the
// heap's worst key first, so most blocks cost one vector compare. Never an N x M matrix, never a
// sort of N: scratch per task is kQueryTile x kBaseBlock floats (kScratchBytes), plus the k-wide
// heaps. Tiles run on oneTBB (tensor/parallel.h). The tile shape is measured: one thread, 784-d,
// sgemm reaches 75 GFLOPS in 64 x 2048 calls, 92 in 256 x 1024 and 94 in 512 x 1024 (OpenBLAS
// packs the stored block once per call, so more query rows per call amortise it).
//
// Reproducibility: the GEMM call plan (query rows [kQueryTile t, kQueryTile (t+1)) against stored
// rows [kBaseBlock b, ...)) is fixed by the two constants, whatever the thread count, so results
// are bitwise the same for 1 or N threads on a given CPU and OpenBLAS kernel (DESIGN.md, "BLAS
// bits are not ours"). Keys equal to the last bit tie to the lower id.
#pragma once

#include <vector>

#include "index/index.h"

namespace minidl::index {

inline constexpr std::int64_t kQueryTile = 512;
inline constexpr std::int64_t kBaseBlock = 1024;
inline constexpr std::int64_t kScratchBytes = kQueryTile * kBaseBlock * 4;

class ExactIndex : public Index {
 public:
  ExactIndex(std::int64_t dim, Metric metric = Metric::kL2) : Index(dim, metric) {}
  const char* kind() const override { return "exact"; }
  std::int64_t size() const override { return static_cast<std::int64_t>(ids_.size()); }
  std::size_t memory_bytes() const override;
  std::int64_t remove(const std::vector<std::int64_t>& ids) override;
  // The fused scan over all stored rows for prepared queries [nq, D] (rows already unit length
  // for cosine): ids/keys [nq, k] as Index::search_prepared fills them. Other indexes use it on
  // their own small sets (IVF's centroids).
  void scan(const float* q, std::int64_t nq, std::int64_t k, const Filter& filter,
            std::int64_t* ids, float* keys) const;

 protected:
  void add_prepared(const float* x, std::int64_t m, std::int64_t first_id) override;
  void search_prepared(const float* q, std::int64_t nq, std::int64_t k, const Filter& filter,
                       std::int64_t* ids, float* keys) const override;
  void save_body(Writer& w) const override;
  void load_body(Reader& r) override;
  // Called after the stored rows change: rows [from_row, size()) are new (an add), or from_row is
  // 0 after a removal or load (all rows may have moved). A derived index updates its structure.
  virtual void rebuilt(std::int64_t from_row) {}

  std::vector<float> data_;        // [n, D]
  std::vector<float> sq_;          // [n] |x|^2 (L2 metrics), else empty
  std::vector<std::int64_t> ids_;  // [n], ascending
};

}  // namespace minidl::index
