// IVF-Flat: an inverted file over k-means cells with exact scans of the probed cells (layer 2,
// namespace minidl::index; interface in index/index.h). Jegou, Douze & Schmid 2011 (the IVF of
// IVFADC), faiss's IndexIVFFlat.
//
// Train: k-means (index/kmeans.h, k-means++ seeds, Lloyd) with nlist centres on at most
// train_per_list * nlist rows of the first add (an even-stride sample, so the same data trains
// the same cells), unless train() was called first. Add: each row goes to the list of its nearest
// centre (by the index's metric: squared L2, or the largest dot for cosine / inner product).
// Search: each query ranks the nlist centres exactly (ExactIndex::scan on the centres), then scans
// the rows of its nprobe nearest lists with the exact key, keeping a bounded top-k; cost about
// Q (nlist + nprobe N / nlist) D. nprobe = nlist is exact search. Queries run in parallel.
// Recall depends on nprobe and on how well the cells fit the data: the bench reports it against
// exact search.
// Removal: rows leave their list (the list shrinks and gives back memory); the centres stay.
#pragma once

#include <memory>
#include <vector>

#include "index/exact.h"

namespace minidl::index {

struct IvfOptions {
  std::int64_t nlist = 256;           // k-means cells
  std::int64_t nprobe = 8;            // cells scanned per query (settable later with set_nprobe)
  std::int64_t train_per_list = 256;  // k-means sample: at most this many rows per cell
  std::int64_t kmeans_iters = 20;     // Lloyd iterations (faiss uses 10)
  std::uint64_t seed = 0;
};

class IvfIndex : public Index {
 public:
  IvfIndex(std::int64_t dim, Metric metric = Metric::kL2, IvfOptions options = {});
  const char* kind() const override { return "ivf"; }
  std::int64_t size() const override;
  std::size_t memory_bytes() const override;
  std::int64_t remove(const std::vector<std::int64_t>& ids) override;
  const IvfOptions& options() const { return options_; }
  void set_nprobe(std::int64_t nprobe);
  bool trained() const { return centres_ != nullptr; }
  // Trains the cells on x [M, D], M >= nlist (otherwise the first add trains them).
  void train(const Tensor& x);

 protected:
  void add_prepared(const float* x, std::int64_t m, std::int64_t first_id) override;
  void search_prepared(const float* q, std::int64_t nq, std::int64_t k, const Filter& filter,
                       std::int64_t* ids, float* keys) const override;
  void save_body(Writer& w) const override;
  void load_body(Reader& r) override;

 private:
  void train_prepared(const float* x, std::int64_t m);
  struct List {
    std::vector<float> data;  // [n, D]
    std::vector<std::int64_t> ids;
  };
  IvfOptions options_;
  std::unique_ptr<ExactIndex> centres_;  // ids 0..nlist-1 are the list numbers
  std::vector<float> centre_rows_;       // [nlist, D], for saving
  std::vector<List> lists_;
};

}  // namespace minidl::index
