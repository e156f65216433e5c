// Shared by the index/ tests: seeded data, the naive double-precision oracle, error capture.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "index/index.h"
#include "tensor/random.h"

namespace minidl::index::testing {

// Gaussian blobs: `clusters` centres in [-5, 5]^d (the same for every seed, so base and queries
// drawn with two seeds share them), points with unit noise, float32 [n, d].
inline Tensor blobs(std::int64_t n, std::int64_t d, std::int64_t clusters, std::uint64_t seed) {
  Generator cg(static_cast<std::uint64_t>(1000 + 7 * clusters + d));
  const Tensor centres = rand({clusters, d}, cg, kFloat32, -5.0, 5.0);
  Generator g(seed);
  const Tensor noise = randn({n, d}, g);
  const Tensor pick = randint(0, clusters, {n}, g);
  Tensor x({n, d}, kFloat32);
  float* o = x.data<float>();
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < d; ++j)
      o[i * d + j] = centres.data<float>()[pick.data<std::int64_t>()[i] * d + j] +
                     noise.data<float>()[i * d + j];
  return x;
}

// The k nearest ids by a naive double loop (keys as in index/index.h, ties to the lower id),
// among the allowed ids; ids of row r of base are id_of(r).
inline std::vector<std::vector<std::int64_t>> naive_knn(
    const Tensor& base, const Tensor& queries, std::int64_t k, Metric m,
    const std::function<bool(std::int64_t)>& allowed = [](std::int64_t) { return true; }) {
  const std::int64_t n = base.size(0), d = base.size(1);
  const float* x = base.data<float>();
  const float* q = queries.data<float>();
  std::vector<std::vector<std::int64_t>> out;
  for (std::int64_t i = 0; i < queries.size(0); ++i) {
    std::vector<std::pair<double, std::int64_t>> all;
    double qn = 0;
    for (std::int64_t t = 0; t < d; ++t) qn += double(q[i * d + t]) * q[i * d + t];
    for (std::int64_t j = 0; j < n; ++j) {
      if (!allowed(j)) continue;
      double dd = 0, ip = 0, xn = 0;
      for (std::int64_t t = 0; t < d; ++t) {
        const double a = q[i * d + t], b = x[j * d + t];
        dd += (a - b) * (a - b);
        ip += a * b;
        xn += b * b;
      }
      double key = dd;
      if (m == Metric::kInnerProduct) key = -ip;
      if (m == Metric::kCosine) key = (qn > 0 && xn > 0) ? -ip / std::sqrt(qn * xn) : 0.0;
      all.push_back({key, j});
    }
    std::sort(all.begin(), all.end());
    std::vector<std::int64_t> ids;
    for (std::int64_t c = 0; c < std::min<std::int64_t>(k, all.size()); ++c)
      ids.push_back(all[static_cast<std::size_t>(c)].second);
    out.push_back(ids);
  }
  return out;
}

// Recall of result ids [Q, k] against the oracle's lists.
inline double recall(const Tensor& ids, const std::vector<std::vector<std::int64_t>>& want) {
  const std::int64_t k = ids.size(1);
  double total = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    std::int64_t hits = 0;
    for (std::int64_t c = 0; c < k; ++c) {
      const std::int64_t id = ids.data<std::int64_t>()[static_cast<std::int64_t>(i) * k + c];
      hits += std::count(want[i].begin(), want[i].end(), id) > 0 && id >= 0;
    }
    total += want[i].empty() ? 1.0 : double(hits) / double(want[i].size());
  }
  return total / double(want.size());
}

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no minidl::Error thrown)";
}

}  // namespace minidl::index::testing
