// IVF-Flat training, assignment and probed scans (algorithm in index/ivf.h).
#include "index/ivf.h"

#include <algorithm>

#include "index/detail.h"
#include "index/kmeans.h"
#include "tensor/parallel.h"

namespace minidl::index {
namespace {

// Queries per task: one coarse GEMM tile.
constexpr std::int64_t kIvfQueryGrain = kQueryTile;

}  // namespace

IvfIndex::IvfIndex(std::int64_t dim, Metric metric, IvfOptions options)
    : Index(dim, metric), options_(options) {
  MINIDL_CHECK(options.nlist >= 1, "ivf: nlist must be >= 1, got ", options.nlist);
  MINIDL_CHECK(options.train_per_list >= 1, "ivf: train_per_list must be >= 1, got ",
               options.train_per_list);
  MINIDL_CHECK(options.kmeans_iters >= 1, "ivf: kmeans_iters must be >= 1, got ",
               options.kmeans_iters);
  set_nprobe(options.nprobe);
}

void IvfIndex::set_nprobe(std::int64_t nprobe) {
  MINIDL_CHECK(nprobe >= 1 && nprobe <= options_.nlist,
               "ivf: nprobe must be in [1, nlist = ", options_.nlist, "], got ", nprobe);
  options_.nprobe = nprobe;
}

std::int64_t IvfIndex::size() const {
  std::int64_t n = 0;
  for (const List& l : lists_) n += static_cast<std::int64_t>(l.ids.size());
  return n;
}

std::size_t IvfIndex::memory_bytes() const {
  std::size_t b = centre_rows_.capacity() * sizeof(float) * 2;  // here and in centres_
  for (const List& l : lists_)
    b += l.data.capacity() * sizeof(float) + l.ids.capacity() * sizeof(std::int64_t) + sizeof(List);
  return b;
}

void IvfIndex::train(const Tensor& x) {
  const std::vector<float> rows = prepare_rows("ivf train", x);
  train_prepared(rows.data(), x.size(0));
}

void IvfIndex::train_prepared(const float* x, std::int64_t m) {
  const std::int64_t nlist = options_.nlist;
  MINIDL_CHECK(m >= nlist, "ivf: training needs at least nlist = ", nlist, " rows, got ", m);
  MINIDL_CHECK(size() == 0, "ivf: train before adding (", size(), " rows are stored)");
  // An even-stride sample of at most train_per_list * nlist rows.
  const std::int64_t take = std::min(m, options_.train_per_list * nlist);
  Tensor sample({take, dim_}, kFloat32);
  for (std::int64_t i = 0; i < take; ++i)
    std::copy_n(x + (i * m / take) * dim_, dim_, sample.data<float>() + i * dim_);
  const KMeansResult km = kmeans(
      sample, nlist, {.n_init = 1, .max_iter = options_.kmeans_iters, .seed = options_.seed});
  centre_rows_ = km.centroids.values<float>();
  if (metric_ == Metric::kCosine) {  // the cells of unit rows: compare with unit centres
    for (std::int64_t c = 0; c < nlist; ++c) {
      float* row = centre_rows_.data() + c * dim_;
      const float nn = std::sqrt(dot(row, row, dim_));
      if (nn > 0)
        for (std::int64_t j = 0; j < dim_; ++j) row[j] /= nn;
    }
  }
  centres_ = std::make_unique<ExactIndex>(
      dim_, metric_ == Metric::kCosine ? Metric::kInnerProduct : metric_);
  centres_->add(from_vector(centre_rows_, {nlist, dim_}));
  lists_.assign(static_cast<std::size_t>(nlist), {});
}

void IvfIndex::add_prepared(const float* x, std::int64_t m, std::int64_t first_id) {
  if (!trained()) train_prepared(x, m);
  std::vector<std::int64_t> cell(static_cast<std::size_t>(m));
  std::vector<float> key(static_cast<std::size_t>(m));
  centres_->scan(x, m, 1, Filter{}, cell.data(), key.data());
  // Exact capacity per list (grown row by row, a list keeps up to twice its memory).
  std::vector<std::size_t> extra(lists_.size(), 0);
  for (std::int64_t c : cell) ++extra[static_cast<std::size_t>(c)];
  for (std::size_t c = 0; c < lists_.size(); ++c) {
    lists_[c].ids.reserve(lists_[c].ids.size() + extra[c]);
    lists_[c].data.reserve(lists_[c].data.size() + extra[c] * static_cast<std::size_t>(dim_));
  }
  for (std::int64_t i = 0; i < m; ++i) {
    List& l = lists_[static_cast<std::size_t>(cell[static_cast<std::size_t>(i)])];
    l.data.insert(l.data.end(), x + i * dim_, x + (i + 1) * dim_);
    l.ids.push_back(first_id + i);
  }
}

std::int64_t IvfIndex::remove(const std::vector<std::int64_t>& ids) {
  std::vector<std::int64_t> gone(ids);
  std::sort(gone.begin(), gone.end());
  std::int64_t removed = 0;
  for (List& l : lists_) {
    std::size_t out = 0;
    for (std::size_t i = 0; i < l.ids.size(); ++i) {
      if (std::binary_search(gone.begin(), gone.end(), l.ids[i])) continue;
      if (out != i) {
        l.ids[out] = l.ids[i];
        std::copy_n(l.data.begin() + static_cast<std::ptrdiff_t>(i * dim_), dim_,
                    l.data.begin() + static_cast<std::ptrdiff_t>(out * dim_));
      }
      ++out;
    }
    if (out == l.ids.size()) continue;
    removed += static_cast<std::int64_t>(l.ids.size() - out);
    l.ids.resize(out);
    l.ids.shrink_to_fit();
    l.data.resize(out * static_cast<std::size_t>(dim_));
    l.data.shrink_to_fit();
  }
  return removed;
}

void IvfIndex::search_prepared(const float* q, std::int64_t nq, std::int64_t k,
                               const Filter& filter, std::int64_t* ids, float* keys) const {
  if (!trained()) {  // nothing added yet: every row is padding
    for (std::int64_t i = 0; i < nq; ++i) TopK(k, keys + i * k, ids + i * k).finish();
    return;
  }
  const std::int64_t nprobe = options_.nprobe, d = dim_;
  parallel_for(nq, kIvfQueryGrain, [&](std::int64_t b, std::int64_t e) {
    std::vector<std::int64_t> cells(static_cast<std::size_t>((e - b) * nprobe));
    std::vector<float> cell_keys(cells.size());
    centres_->scan(q + b * d, e - b, nprobe, Filter{}, cells.data(), cell_keys.data());
    for (std::int64_t i = b; i < e; ++i) {
      const float* qi = q + i * d;
      TopK heap(k, keys + i * k, ids + i * k);
      for (std::int64_t p = 0; p < nprobe; ++p) {
        const std::int64_t c = cells[static_cast<std::size_t>((i - b) * nprobe + p)];
        if (c < 0) continue;
        const List& l = lists_[static_cast<std::size_t>(c)];
        const std::int64_t n = static_cast<std::int64_t>(l.ids.size());
        for (std::int64_t r = 0; r < n; ++r) {
          const std::int64_t id = l.ids[static_cast<std::size_t>(r)];
          const float key = key_of(metric_, qi, l.data.data() + r * d, d);
          if (key <= heap.worst() && filter.allows(id)) heap.push(key, id);
        }
      }
      heap.finish();
    }
  });
}

void IvfIndex::save_body(Writer& w) const {
  w.put(options_.nlist);
  w.put(options_.nprobe);
  w.put(options_.train_per_list);
  w.put(options_.kmeans_iters);
  w.put(options_.seed);
  w.put<std::uint8_t>(trained() ? 1 : 0);
  if (!trained()) return;
  w.put_vec(centre_rows_);
  for (const List& l : lists_) {
    w.put_vec(l.ids);
    w.put_vec(l.data);
  }
}

void IvfIndex::load_body(Reader& r) {
  options_.nlist = r.get<std::int64_t>("nlist");
  options_.nprobe = r.get<std::int64_t>("nprobe");
  options_.train_per_list = r.get<std::int64_t>("train_per_list");
  options_.kmeans_iters = r.get<std::int64_t>("kmeans_iters");
  options_.seed = r.get<std::uint64_t>("seed");
  r.check(options_.nlist >= 1 && options_.nlist <= (std::int64_t{1} << 24), "ivf nlist ",
          options_.nlist, " out of range");
  r.check(options_.nprobe >= 1 && options_.nprobe <= options_.nlist, "ivf nprobe ", options_.nprobe,
          " not in [1, nlist]");
  r.check(options_.train_per_list >= 1 && options_.kmeans_iters >= 1,
          "ivf train_per_list and kmeans_iters must be >= 1");
  const auto is_trained = r.get<std::uint8_t>("trained flag");
  r.check(is_trained <= 1, "ivf trained flag ", int{is_trained}, " is not 0 or 1");
  if (!is_trained) return;
  centre_rows_ = r.get_vec<float>("centres");
  r.check(centre_rows_.size() == static_cast<std::size_t>(options_.nlist * dim_), "ivf has ",
          centre_rows_.size(),
          " floats of centres, expected nlist x dim = ", options_.nlist * dim_);
  for (float v : centre_rows_) r.check(std::isfinite(v), "an ivf centre is not finite");
  centres_ = std::make_unique<ExactIndex>(
      dim_, metric_ == Metric::kCosine ? Metric::kInnerProduct : metric_);
  centres_->add(from_vector(centre_rows_, {options_.nlist, dim_}));
  lists_.assign(static_cast<std::size_t>(options_.nlist), {});
  for (List& l : lists_) {
    l.ids = r.get_vec<std::int64_t>("list ids");
    l.data = r.get_vec<float>("list vectors");
    r.check(l.data.size() == l.ids.size() * static_cast<std::size_t>(dim_), "an ivf list has ",
            l.ids.size(), " ids but ", l.data.size(), " floats");
    for (std::int64_t id : l.ids)
      r.check(id >= 0 && id < next_id_, "ivf id ", id, " not in [0, next_id = ", next_id_, ")");
    for (float v : l.data) r.check(std::isfinite(v), "a stored vector is not finite");
  }
}

}  // namespace minidl::index
