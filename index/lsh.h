// Locality-sensitive hashing (layer 2, namespace minidl::index; interface in index/index.h):
// L hash tables of K concatenated hashes each, candidates re-ranked by the exact key.
//
// Families, picked by the metric:
//   cosine, inner product  random hyperplanes (Charikar 2002): h_j(x) = [a_j . x >= 0],
//                          a_j ~ N(0, I); P[h(q) = h(x)] = 1 - angle(q, x) / pi. For inner
//                          product the candidates are found by angle and re-ranked by q.x (a
//                          heuristic: long vectors at a wider angle can be missed).
//   L2, squared L2         p-stable projections (Datar, Immorlica, Indyk & Mirrokni 2004):
//                          h_j(x) = floor((a_j . x + b_j) / w), a_j ~ N(0, I), b_j ~ U[0, w).
// A table's key is its K hashes together (hyperplanes: K bits; p-stable: the K integers mixed
// into 64 bits). Search: the query's bucket in each table, plus `probes` neighbouring buckets per
// table (multi-probe, Lv et al. 2007, one hash changed each: the hashes whose projection lies
// nearest a boundary first), the union of their rows scored exactly, a bounded top-k kept.
// More tables or probes raise recall and cost; more bits make buckets smaller (faster, lower
// recall). bucket_width = 0 sets w once, at the first add, to 2 x the mean nearest-neighbour
// distance within an even-stride sample of up to 256 stored rows (the sample's nearest neighbours
// are farther than the data's, so this lands near E2LSH's w = 4R at a few thousand rows; the
// width that suits a data set and K is best measured, as the bench does).
// Removal compacts the rows and rehashes (O(N L K D)).
#pragma once

#include <unordered_map>
#include <vector>

#include "index/exact.h"

namespace minidl::index {

struct LshOptions {
  std::int64_t tables = 8;
  std::int64_t bits = 12;   // hashes per table (<= 64)
  std::int64_t probes = 0;  // extra buckets per table
  double bucket_width = 0;  // p-stable w; 0: from the data at the first add
  std::uint64_t seed = 0;
};

class LshIndex : public ExactIndex {
 public:
  LshIndex(std::int64_t dim, Metric metric = Metric::kCosine, LshOptions options = {});
  // Without projections, for Index::load (load_body reads them): drawing tables x bits x dim
  // normals for a file's claimed dimension before its body is checked was the slow path a
  // malformed file could force (found by index_fuzz).
  struct Unfilled {};
  LshIndex(std::int64_t dim, Metric metric, Unfilled);
  const char* kind() const override { return "lsh"; }
  std::size_t memory_bytes() const override;
  const LshOptions& options() const { return options_; }
  void set_probes(std::int64_t probes);

 protected:
  void search_prepared(const float* q, std::int64_t nq, std::int64_t k, const Filter& filter,
                       std::int64_t* ids, float* keys) const override;
  void save_body(Writer& w) const override;
  void load_body(Reader& r) override;
  void rebuilt(std::int64_t from_row) override;

 private:
  bool hyperplanes() const {
    return metric_ == Metric::kCosine || metric_ == Metric::kInnerProduct;
  }
  void make_projections();
  // Projections of rows [m, D] onto every a_j: [m, tables * bits].
  std::vector<float> project(const float* x, std::int64_t m) const;
  std::uint64_t key(const float* proj, std::int64_t table, std::int64_t flip, int dir) const;

  LshOptions options_;
  std::vector<float> planes_;   // [tables * bits, D]
  std::vector<float> offsets_;  // [tables * bits], p-stable b_j
  std::vector<std::unordered_map<std::uint64_t, std::vector<std::int32_t>>> buckets_;
  bool pending_ = false;  // rows stored but not hashed yet (w unknown)
};

}  // namespace minidl::index
