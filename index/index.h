// Nearest-neighbour indexes (layer 2, namespace minidl::index): one interface for exact search,
// the k-d tree, IVF-Flat, LSH and HNSW.
//
// Placement: DESIGN.md puts indexes in a layer-2 folder `index/` that needs only tensor/, so that
// data/ (SMOTE, data::nearest_neighbors) and metrics/ (retrieval metrics) of layer 3 may use them.
// Nothing here knows of gradients.
//
// Shapes: N stored vectors, Q queries, D features, k neighbours. Vectors are float32 [N, D]
// (float64 is accepted and stored as float32); results are int64 ids [Q, k] and float32 [Q, k].
//
// Metrics, each ranked so that "nearer" comes first (ties: the lower id):
//   kL2            |q - x|            ascending  (ranked on the square, reported as the root)
//   kSquaredL2     |q - x|^2          ascending
//   kCosine        q.x / (|q| |x|)    descending (stored and query rows scaled to unit length;
//                                                 a zero row stays zero: similarity 0)
//   kInnerProduct  q.x                descending
// distances holds the value in the middle column: a distance for the L2 metrics, a similarity for
// kCosine and kInnerProduct (as faiss reports them).
//
// Ids: add() numbers vectors 0, 1, 2, ... in insertion order over the index's life; an id is
// never reused. remove() takes vectors out for good (their memory is freed or reused, and HNSW
// repairs the links through them). When fewer than k vectors match, the row is padded with id -1
// and distance NaN.
//
// Filters: search restricted to an allowed-id set, or to the ids whose label (given per id) is in
// an allowed set; the filter is applied inside the search (HNSW still walks through filtered-out
// nodes), never on a result batch afterwards, so a filtered query still gets k results when k
// allowed vectors exist (approximate indexes: up to their recall).
//
// Files: save() writes one versioned binary file atomically (temp file + rename, tensor/
// file_util.h) holding the kind, every parameter, the ids and the vectors; load() reads any kind
// back. A malformed file is a minidl::Error naming the path and what was wrong.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tensor/tensor.h"

namespace minidl::index {

class Writer;  // index/detail.h
class Reader;

enum class Metric : std::uint8_t { kL2, kSquaredL2, kCosine, kInnerProduct };
const char* metric_name(Metric m);  // "l2", "sqeuclidean", "cosine", "ip"
Metric metric_from_name(const std::string& name);

// Which ids a search may return. Default: all.
class Filter {
 public:
  Filter() = default;
  // Only these ids.
  static Filter allow_ids(const std::vector<std::int64_t>& ids);
  // Only the ids i with labels[i] in allowed; labels int64 [N] indexed by id.
  static Filter allow_labels(const Tensor& labels, const std::vector<std::int64_t>& allowed);
  bool all() const { return all_; }
  bool allows(std::int64_t id) const {
    return all_ || (id >= 0 && id < static_cast<std::int64_t>(mask_.size()) &&
                    mask_[static_cast<std::size_t>(id)] != 0);
  }

 private:
  bool all_ = true;
  std::vector<std::uint8_t> mask_;  // by id
};

struct SearchResult {
  Tensor indices;    // int64 [Q, k], -1 past the last match
  Tensor distances;  // float32 [Q, k], NaN past the last match
};

class Index {
 public:
  Index(std::int64_t dim, Metric metric);
  virtual ~Index() = default;
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  std::int64_t dim() const { return dim_; }
  Metric metric() const { return metric_; }
  // Ids handed out so far (removed ones included): the next add() starts here.
  std::int64_t next_id() const { return next_id_; }
  virtual const char* kind() const = 0;   // "exact", "kdtree", "ivf", "lsh", "hnsw"
  virtual std::int64_t size() const = 0;  // vectors stored now
  // Bytes held by the index (vectors, ids, structure), for the memory column of benchmarks.
  virtual std::size_t memory_bytes() const = 0;

  // Appends the rows of x [M, D]; returns the first id given (ids first .. first + M - 1).
  std::int64_t add(const Tensor& x);
  // Removes the ids that are present; returns how many were. Unknown ids are ignored.
  virtual std::int64_t remove(const std::vector<std::int64_t>& ids) = 0;
  // The k nearest stored vectors of each query row [Q, D]; k >= 1.
  SearchResult search(const Tensor& queries, std::int64_t k, const Filter& filter = {}) const;

  void save(const std::string& path) const;
  static std::unique_ptr<Index> load(const std::string& path);
  // The same from the bytes of a file in memory; `name` appears in errors (the fuzz target's door).
  static std::unique_ptr<Index> decode(std::string_view bytes, const std::string& name);

 protected:
  // Rows as float32, checked finite, unit length for kCosine. [M, D] flat.
  std::vector<float> prepare_rows(const char* op, const Tensor& x) const;
  virtual void add_prepared(const float* x, std::int64_t m, std::int64_t first_id) = 0;
  // Fills ids/keys [Q, k] (preset to -1 / +inf) with ranking keys: smaller is nearer (squared L2,
  // or the negated similarity).
  virtual void search_prepared(const float* q, std::int64_t nq, std::int64_t k,
                               const Filter& filter, std::int64_t* ids, float* keys) const = 0;
  // Parameters and contents after the common header (serialize.h's Writer/Reader).
  virtual void save_body(Writer& w) const = 0;
  virtual void load_body(Reader& r) = 0;

  std::int64_t dim_;
  Metric metric_;
  std::int64_t next_id_ = 0;

  friend std::unique_ptr<Index> make_index(const std::string& kind, std::int64_t dim, Metric m);
};

// The exact k nearest ids by brute force (index/exact.h), as a one-call function: base [N, D],
// queries [Q, D]; the oracle every approximate index is measured against.
SearchResult exact_search(const Tensor& base, const Tensor& queries, std::int64_t k,
                          Metric metric = Metric::kL2, const Filter& filter = {});

// recall@k of approx against exact ids [Q, k]: mean over queries of |approx_i ∩ exact_i| / k
// (ids -1 ignored in exact, so a short row counts against its own matches).
double recall_at_k(const Tensor& approx_ids, const Tensor& exact_ids);

}  // namespace minidl::index
