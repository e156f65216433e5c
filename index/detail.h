// Internal to index/ (.cpp files only): distance kernels, the bounded top-k, and the binary
// writer/reader of index files.
//
// Kernels are written as fixed 16-lane blocks with 16 partial sums: GCC 12 at -O2 leaves a plain
// loop of unknown trip count scalar (and may not reorder a float sum at all), but SLP-vectorises
// a fixed-trip block (tensor/loops.h). The lane sums are combined in one fixed order, so a kernel
// gives the same bits for the same inputs on every call.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "index/index.h"

namespace minidl::index {

inline constexpr int kLanes = 16;

inline float combine_lanes(const float* acc) {
  float s8[8];
  for (int l = 0; l < 8; ++l) s8[l] = acc[l] + acc[l + 8];
  float s4[4];
  for (int l = 0; l < 4; ++l) s4[l] = s8[l] + s8[l + 4];
  return (s4[0] + s4[2]) + (s4[1] + s4[3]);
}

inline float dot(const float* a, const float* b, std::int64_t d) {
  float acc[kLanes] = {};
  std::int64_t j = 0;
  for (; j + kLanes <= d; j += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += a[j + l] * b[j + l];
  for (int l = 0; j < d; ++j, ++l) acc[l] += a[j] * b[j];
  return combine_lanes(acc);
}

inline float l2sq(const float* a, const float* b, std::int64_t d) {
  float acc[kLanes] = {};
  std::int64_t j = 0;
  for (; j + kLanes <= d; j += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      const float t = a[j + l] - b[j + l];
      acc[l] += t * t;
    }
  for (int l = 0; j < d; ++j, ++l) {
    const float t = a[j] - b[j];
    acc[l] += t * t;
  }
  return combine_lanes(acc);
}

// The ranking key of a stored row x for query q: smaller is nearer.
inline float key_of(Metric m, const float* q, const float* x, std::int64_t d) {
  return m == Metric::kL2 || m == Metric::kSquaredL2 ? l2sq(q, x, d) : -dot(q, x, d);
}

// The reported value of a key (index/index.h): the root for kL2, the similarity for the others.
inline float reported(Metric m, float key) {
  switch (m) {
    case Metric::kL2:
      return std::sqrt(std::max(key, 0.0f));
    case Metric::kSquaredL2:
      return std::max(key, 0.0f);
    default:
      return -key;
  }
}

// (key, id) before (key', id') when key < key', or equal keys and id < id'.
inline bool nearer(float ka, std::int64_t ia, float kb, std::int64_t ib) {
  return ka < kb || (ka == kb && ia < ib);
}

// The k nearest (key, id) pairs seen, in a max-heap on the caller's buffers (k entries, preset to
// +inf / -1 so a short result is padded). worst() is the admission threshold: a candidate with a
// larger key can be skipped without a call.
class TopK {
 public:
  TopK(std::int64_t k, float* keys, std::int64_t* ids) : k_(k), keys_(keys), ids_(ids) {
    std::fill(keys, keys + k, std::numeric_limits<float>::infinity());
    std::fill(ids, ids + k, std::int64_t{-1});
  }
  float worst() const { return keys_[0]; }
  void push(float key, std::int64_t id) {
    if (!nearer(key, id, keys_[0], ids_[0])) return;
    // Sift down from the root: the slot of the worst entry takes the new one.
    std::int64_t i = 0;
    for (;;) {
      std::int64_t c = 2 * i + 1;
      if (c >= k_) break;
      if (c + 1 < k_ && nearer(keys_[c], ids_[c], keys_[c + 1], ids_[c + 1])) ++c;
      if (!nearer(key, id, keys_[c], ids_[c])) break;
      keys_[i] = keys_[c];
      ids_[i] = ids_[c];
      i = c;
    }
    keys_[i] = key;
    ids_[i] = id;
  }
  // Sorts the buffers nearest first (the padding, id -1 with key +inf, last).
  void finish() {
    std::vector<std::pair<float, std::int64_t>> v(static_cast<std::size_t>(k_));
    for (std::int64_t i = 0; i < k_; ++i) v[static_cast<std::size_t>(i)] = {keys_[i], ids_[i]};
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
      if (a.second < 0 || b.second < 0) return a.second >= 0 && b.second < 0;
      return nearer(a.first, a.second, b.first, b.second);
    });
    for (std::int64_t i = 0; i < k_; ++i) {
      keys_[i] = v[static_cast<std::size_t>(i)].first;
      ids_[i] = v[static_cast<std::size_t>(i)].second;
    }
  }

 private:
  std::int64_t k_;
  float* keys_;
  std::int64_t* ids_;
};

// Index files: little-endian fixed-width values appended to a string.
class Writer {
 public:
  template <typename T>
  void put(T v) {
    out_.append(reinterpret_cast<const char*>(&v), sizeof(T));
  }
  template <typename T>
  void put_vec(const std::vector<T>& v) {
    put<std::uint64_t>(v.size());
    out_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  void put_str(const std::string& s) {
    put<std::uint64_t>(s.size());
    out_ += s;
  }
  const std::string& bytes() const { return out_; }

 private:
  std::string out_;
};

// Reads what Writer wrote; every short read or implausible size throws naming the file.
class Reader {
 public:
  Reader(std::string_view b, std::string name) : b_(b), name_(std::move(name)) {}
  const std::string& name() const { return name_; }
  template <typename T>
  T get(const char* what) {
    MINIDL_CHECK(b_.size() - pos_ >= sizeof(T), "index load: ", name_, ": truncated reading ", what,
                 " at byte ", pos_);
    T v;
    std::memcpy(&v, b_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  template <typename T>
  std::vector<T> get_vec(const char* what) {
    const auto n = get<std::uint64_t>(what);
    MINIDL_CHECK(n <= (b_.size() - pos_) / sizeof(T), "index load: ", name_, ": ", what, " says ",
                 n, " entries but only ", b_.size() - pos_, " bytes follow");
    std::vector<T> v(static_cast<std::size_t>(n));
    if (n > 0) std::memcpy(v.data(), b_.data() + pos_, n * sizeof(T));
    pos_ += n * sizeof(T);
    return v;
  }
  std::string get_str(const char* what) {
    const auto v = get_vec<char>(what);
    return std::string(v.begin(), v.end());
  }
  // Throws naming the file when cond is false.
  template <typename... Args>
  void check(bool cond, const Args&... msg) const {
    MINIDL_CHECK(cond, "index load: ", name_, ": ", msg...);
  }
  void expect_end() const {
    check(pos_ == b_.size(), b_.size() - pos_, " bytes after the end of the index");
  }

 private:
  std::string_view b_;
  std::string name_;
  std::size_t pos_ = 0;
};

}  // namespace minidl::index
