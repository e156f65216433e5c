// Exact search by fused GEMM tiles and top-k (plan and bounds in index/exact.h).
#include "index/exact.h"

#include <algorithm>

#include "index/detail.h"
#include "tensor/blas.h"
#include "tensor/parallel.h"

namespace minidl::index {

std::size_t ExactIndex::memory_bytes() const {
  return data_.capacity() * sizeof(float) + sq_.capacity() * sizeof(float) +
         ids_.capacity() * sizeof(std::int64_t);
}

void ExactIndex::add_prepared(const float* x, std::int64_t m, std::int64_t first_id) {
  const std::int64_t from = size();
  data_.insert(data_.end(), x, x + m * dim_);
  const bool l2 = metric_ == Metric::kL2 || metric_ == Metric::kSquaredL2;
  for (std::int64_t i = 0; i < m; ++i) {
    ids_.push_back(first_id + i);
    if (l2) sq_.push_back(dot(x + i * dim_, x + i * dim_, dim_));
  }
  rebuilt(from);
}

std::int64_t ExactIndex::remove(const std::vector<std::int64_t>& ids) {
  std::vector<std::int64_t> gone(ids);
  std::sort(gone.begin(), gone.end());
  const bool l2 = !sq_.empty();
  std::size_t out = 0;
  std::int64_t removed = 0;
  for (std::size_t i = 0; i < ids_.size(); ++i) {
    if (std::binary_search(gone.begin(), gone.end(), ids_[i])) {
      ++removed;
      continue;
    }
    if (out != i) {
      ids_[out] = ids_[i];
      if (l2) sq_[out] = sq_[i];
      std::copy_n(data_.begin() + static_cast<std::ptrdiff_t>(i * dim_), dim_,
                  data_.begin() + static_cast<std::ptrdiff_t>(out * dim_));
    }
    ++out;
  }
  if (removed == 0) return 0;
  // Really give the memory back: a removed vector is not a tombstone.
  ids_.resize(out);
  ids_.shrink_to_fit();
  if (l2) {
    sq_.resize(out);
    sq_.shrink_to_fit();
  }
  data_.resize(out * static_cast<std::size_t>(dim_));
  data_.shrink_to_fit();
  rebuilt(0);
  return removed;
}

void ExactIndex::search_prepared(const float* q, std::int64_t nq, std::int64_t k,
                                 const Filter& filter, std::int64_t* ids, float* keys) const {
  scan(q, nq, k, filter, ids, keys);
}

void ExactIndex::scan(const float* q, std::int64_t nq, std::int64_t k, const Filter& filter,
                      std::int64_t* out_ids, float* out_keys) const {
  const std::int64_t n = size(), d = dim_;
  const bool l2 = metric_ == Metric::kL2 || metric_ == Metric::kSquaredL2;
  parallel_for(nq, kQueryTile, [&](std::int64_t b, std::int64_t e) {
    const std::int64_t rows = e - b;
    std::vector<float> block(static_cast<std::size_t>(rows * std::min(n, kBaseBlock)));
    std::vector<TopK> heaps;
    heaps.reserve(static_cast<std::size_t>(rows));
    for (std::int64_t r = 0; r < rows; ++r)
      heaps.emplace_back(k, out_keys + (b + r) * k, out_ids + (b + r) * k);
    for (std::int64_t c0 = 0; c0 < n; c0 += kBaseBlock) {
      const std::int64_t cols = std::min(kBaseBlock, n - c0);
      blas::sgemm(false, true, rows, cols, d, 1.0f, q + b * d, d, data_.data() + c0 * d, d, 0.0f,
                  block.data(), cols);
      const float* sq = l2 ? sq_.data() + c0 : nullptr;
      const std::int64_t* id = ids_.data() + c0;
      for (std::int64_t r = 0; r < rows; ++r) {
        float* row = block.data() + r * cols;
        TopK& heap = heaps[static_cast<std::size_t>(r)];
        std::int64_t j = 0;
        for (; j + kLanes <= cols; j += kLanes) {
          float key[kLanes];
          if (l2) {
            for (int l = 0; l < kLanes; ++l) key[l] = sq[j + l] - 2.0f * row[j + l];
          } else {
            for (int l = 0; l < kLanes; ++l) key[l] = -row[j + l];
          }
          float lo = key[0];
          for (int l = 1; l < kLanes; ++l) lo = key[l] < lo ? key[l] : lo;
          if (lo > heap.worst()) continue;  // the common case once the heap is full
          for (int l = 0; l < kLanes; ++l)
            if (key[l] <= heap.worst() && filter.allows(id[j + l])) heap.push(key[l], id[j + l]);
        }
        for (; j < cols; ++j) {
          const float key = l2 ? sq[j] - 2.0f * row[j] : -row[j];
          if (key <= heap.worst() && filter.allows(id[j])) heap.push(key, id[j]);
        }
      }
    }
    for (std::int64_t r = 0; r < rows; ++r) {
      heaps[static_cast<std::size_t>(r)].finish();
      if (!l2) continue;
      const float qq = dot(q + (b + r) * d, q + (b + r) * d, d);
      float* kr = out_keys + (b + r) * k;
      for (std::int64_t c = 0; c < k; ++c) kr[c] += qq;  // +inf padding stays +inf
    }
  });
}

void ExactIndex::save_body(Writer& w) const {
  w.put_vec(ids_);
  w.put_vec(data_);
}

void ExactIndex::load_body(Reader& r) {
  ids_ = r.get_vec<std::int64_t>("ids");
  data_ = r.get_vec<float>("vectors");
  r.check(data_.size() == ids_.size() * static_cast<std::size_t>(dim_), ids_.size(), " ids but ",
          data_.size(), " floats of vectors (dim ", dim_, ")");
  for (std::size_t i = 0; i < ids_.size(); ++i)
    r.check(ids_[i] >= 0 && ids_[i] < next_id_ && (i == 0 || ids_[i - 1] < ids_[i]),
            "ids must be ascending in [0, next_id = ", next_id_, "), id ", ids_[i], " at ", i);
  for (float v : data_) r.check(std::isfinite(v), "a stored vector has a non-finite value");
  sq_.clear();
  if (metric_ == Metric::kL2 || metric_ == Metric::kSquaredL2)
    for (std::size_t i = 0; i < ids_.size(); ++i)
      sq_.push_back(dot(data_.data() + i * dim_, data_.data() + i * dim_, dim_));
  rebuilt(0);
}

}  // namespace minidl::index
