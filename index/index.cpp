// The shared half of every index: input checks, query preparation, result formatting, filters,
// and the versioned file header (formats in index/index.h).
//
// File layout (little-endian): "MINIDLIX", u32 version (kFileVersion), kind string, i64 dim,
// u8 metric, i64 next_id, then the kind's body (its parameters first, then its contents).
#include "index/index.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "index/detail.h"
#include "index/exact.h"
#include "index/factory.h"
#include "index/lsh.h"
#include "tensor/file_util.h"

namespace minidl::index {
namespace {

constexpr std::string_view kMagic = "MINIDLIX";
constexpr std::uint32_t kFileVersion = 1;

std::string describe(const Tensor& t) {
  return t.defined() ? std::string(dtype_name(t.dtype())) + " " + shape_str(t.shape())
                     : std::string("an undefined tensor");
}

}  // namespace

std::unique_ptr<Index> make_index(const std::string& kind, std::int64_t dim, Metric m);

const char* metric_name(Metric m) {
  switch (m) {
    case Metric::kL2:
      return "l2";
    case Metric::kSquaredL2:
      return "sqeuclidean";
    case Metric::kCosine:
      return "cosine";
    case Metric::kInnerProduct:
      return "ip";
  }
  return "?";
}

Metric metric_from_name(const std::string& name) {
  for (Metric m : {Metric::kL2, Metric::kSquaredL2, Metric::kCosine, Metric::kInnerProduct})
    if (name == metric_name(m)) return m;
  MINIDL_FAIL("index: unknown metric '", name, "' (expected l2, sqeuclidean, cosine or ip)");
}

Filter Filter::allow_ids(const std::vector<std::int64_t>& ids) {
  Filter f;
  f.all_ = false;
  for (std::int64_t id : ids) {
    MINIDL_CHECK(id >= 0, "Filter::allow_ids: ids must be >= 0, got ", id);
    if (id >= static_cast<std::int64_t>(f.mask_.size()))
      f.mask_.resize(static_cast<std::size_t>(id) + 1, 0);
    f.mask_[static_cast<std::size_t>(id)] = 1;
  }
  return f;
}

Filter Filter::allow_labels(const Tensor& labels, const std::vector<std::int64_t>& allowed) {
  MINIDL_CHECK(labels.defined() && labels.dtype() == kInt64 && labels.dim() == 1,
               "Filter::allow_labels: labels must be int64 [N] (by id), got ", describe(labels));
  const std::unordered_set<std::int64_t> keep(allowed.begin(), allowed.end());
  Filter f;
  f.all_ = false;
  const std::int64_t* y = labels.data<std::int64_t>();
  f.mask_.resize(static_cast<std::size_t>(labels.numel()));
  for (std::int64_t i = 0; i < labels.numel(); ++i)
    f.mask_[static_cast<std::size_t>(i)] = keep.count(y[i]) ? 1 : 0;
  return f;
}

Index::Index(std::int64_t dim, Metric metric) : dim_(dim), metric_(metric) {
  MINIDL_CHECK(dim >= 1, "index: dim must be >= 1, got ", dim);
}

std::vector<float> Index::prepare_rows(const char* op, const Tensor& x) const {
  MINIDL_CHECK(x.defined() && x.dim() == 2 && is_floating(x.dtype()), op, ": ", kind(),
               " index expects float rows [M, ", dim_, "], got ", describe(x));
  MINIDL_CHECK(x.size(1) == dim_, op, ": ", kind(), " index has dim ", dim_, ", rows have ",
               x.size(1), " (shape ", shape_str(x.shape()), ")");
  const Tensor x32 = x.to(kFloat32);
  const float* src = x32.data<float>();
  std::vector<float> rows(src, src + x.numel());
  for (std::int64_t i = 0; i < x.size(0); ++i) {
    float* row = rows.data() + i * dim_;
    double s = 0;
    for (std::int64_t j = 0; j < dim_; ++j) {
      MINIDL_CHECK(std::isfinite(row[j]), op, ": row ", i, ", feature ", j, " is ", row[j],
                   "; vectors must be finite");
      s += static_cast<double>(row[j]) * row[j];
    }
    MINIDL_CHECK(s <= 1e37, op, ": row ", i, " has squared norm ", s,
                 ", too large for float32 distances");
    if (metric_ == Metric::kCosine && s > 0) {
      const double inv = 1.0 / std::sqrt(s);
      for (std::int64_t j = 0; j < dim_; ++j) row[j] = static_cast<float>(row[j] * inv);
    }
  }
  return rows;
}

std::int64_t Index::add(const Tensor& x) {
  const std::vector<float> rows = prepare_rows("add", x);
  const std::int64_t m = x.size(0), first = next_id_;
  if (m == 0) return first;
  add_prepared(rows.data(), m, first);
  next_id_ += m;
  return first;
}

SearchResult Index::search(const Tensor& queries, std::int64_t k, const Filter& filter) const {
  MINIDL_CHECK(k >= 1, "search: k must be >= 1, got ", k);
  const std::vector<float> q = prepare_rows("search", queries);
  const std::int64_t nq = queries.size(0);
  SearchResult out{Tensor({nq, k}, kInt64), Tensor({nq, k}, kFloat32)};
  std::int64_t* ids = out.indices.data<std::int64_t>();
  float* dist = out.distances.data<float>();
  if (nq == 0) return out;
  search_prepared(q.data(), nq, k, filter, ids, dist);
  for (std::int64_t i = 0; i < nq * k; ++i)
    dist[i] = ids[i] < 0 ? std::numeric_limits<float>::quiet_NaN() : reported(metric_, dist[i]);
  return out;
}

void Index::save(const std::string& path) const {
  Writer w;
  for (char c : kMagic) w.put(c);
  w.put(kFileVersion);
  w.put_str(kind());
  w.put(dim_);
  w.put(static_cast<std::uint8_t>(metric_));
  w.put(next_id_);
  save_body(w);
  write_file_atomic(path, w.bytes());
}

std::unique_ptr<Index> Index::load(const std::string& path) {
  return decode(read_file(path), path);
}

std::unique_ptr<Index> Index::decode(std::string_view bytes, const std::string& path) {
  Reader r(bytes, path);
  r.check(bytes.size() >= kMagic.size() && std::string_view(bytes).substr(0, 8) == kMagic,
          "not a minidl index file (no MINIDLIX magic)");
  for (std::size_t i = 0; i < kMagic.size(); ++i) r.get<char>("magic");
  const auto version = r.get<std::uint32_t>("version");
  r.check(version == kFileVersion, "file version ", version, ", this build reads version ",
          kFileVersion);
  const std::string kind = r.get_str("kind");
  const auto dim = r.get<std::int64_t>("dim");
  const auto metric = r.get<std::uint8_t>("metric");
  const auto next_id = r.get<std::int64_t>("next_id");
  r.check(dim >= 1 && dim <= (std::int64_t{1} << 24), "dim ", dim, " out of range");
  r.check(metric <= 3, "metric code ", int{metric}, " unknown");
  r.check(next_id >= 0, "next_id ", next_id, " negative");
  std::unique_ptr<Index> index = make_index(kind, dim, static_cast<Metric>(metric));
  r.check(index != nullptr, "unknown index kind '", kind, "'");
  index->next_id_ = next_id;
  index->load_body(r);
  r.expect_end();
  return index;
}

std::unique_ptr<Index> make_index(const std::string& kind, std::int64_t dim, Metric m) {
  if (kind == "lsh") return std::make_unique<LshIndex>(dim, m, LshIndex::Unfilled{});
  IndexSpec spec;
  spec.kind = kind;
  spec.metric = m;
  for (const char* known : {"exact", "kdtree", "ivf", "hnsw"})
    if (kind == known) return create_index(spec, dim);
  return nullptr;
}

SearchResult exact_search(const Tensor& base, const Tensor& queries, std::int64_t k, Metric metric,
                          const Filter& filter) {
  MINIDL_CHECK(base.defined() && base.dim() == 2, "exact_search: base must be [N, D], got ",
               describe(base));
  ExactIndex index(base.size(1), metric);
  index.add(base);
  return index.search(queries, k, filter);
}

double recall_at_k(const Tensor& approx_ids, const Tensor& exact_ids) {
  MINIDL_CHECK(approx_ids.defined() && exact_ids.defined() && approx_ids.dtype() == kInt64 &&
                   exact_ids.dtype() == kInt64 && approx_ids.dim() == 2 &&
                   approx_ids.shape() == exact_ids.shape(),
               "recall_at_k: ids must be int64 [Q, k] of one shape, got ", describe(approx_ids),
               " and ", describe(exact_ids));
  const std::int64_t nq = approx_ids.size(0), k = approx_ids.size(1);
  if (nq == 0) return std::numeric_limits<double>::quiet_NaN();
  const std::int64_t* a = approx_ids.data<std::int64_t>();
  const std::int64_t* e = exact_ids.data<std::int64_t>();
  double total = 0;
  for (std::int64_t i = 0; i < nq; ++i) {
    std::vector<std::int64_t> want(e + i * k, e + (i + 1) * k);
    std::sort(want.begin(), want.end());
    std::int64_t hits = 0;
    for (std::int64_t c = 0; c < k; ++c) {
      const std::int64_t id = a[i * k + c];
      if (id >= 0 && std::binary_search(want.begin(), want.end(), id)) ++hits;
    }
    total += static_cast<double>(hits) / static_cast<double>(k);
  }
  return total / static_cast<double>(nq);
}

}  // namespace minidl::index
