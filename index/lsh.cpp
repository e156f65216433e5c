// LSH hashing, multi-probe and re-ranking (algorithm in index/lsh.h).
#include "index/lsh.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "index/detail.h"
#include "tensor/blas.h"
#include "tensor/parallel.h"
#include "tensor/random.h"

namespace minidl::index {
namespace {

constexpr std::int64_t kLshQueryGrain = 32;
constexpr std::int64_t kWidthSample = 256;

// splitmix64's finaliser: spreads the p-stable integers over the 64-bit key.
std::uint64_t mix(std::uint64_t h, std::int64_t v) {
  std::uint64_t z =
      h ^ (static_cast<std::uint64_t>(v) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// floor(p) as an integer bucket coordinate. Finite rows can still project far beyond int64 (huge
// coordinates over a small bucket width, or float overflow to inf): those saturate, so the hash
// stays defined and deterministic (converting such a float to int64 directly is undefined).
std::int64_t bucket_of(float p) {
  const double f = std::floor(static_cast<double>(p));
  constexpr double kLimit = 9.2e18;  // just inside int64's range
  if (!(f > -kLimit)) return f != f ? 0 : std::numeric_limits<std::int64_t>::min() / 2;
  if (!(f < kLimit)) return std::numeric_limits<std::int64_t>::max() / 2;
  return static_cast<std::int64_t>(f);
}

}  // namespace

LshIndex::LshIndex(std::int64_t dim, Metric metric, LshOptions options)
    : ExactIndex(dim, metric), options_(options) {
  MINIDL_CHECK(options.tables >= 1, "lsh: tables must be >= 1, got ", options.tables);
  MINIDL_CHECK(options.bits >= 1 && options.bits <= 64, "lsh: bits must be in [1, 64], got ",
               options.bits);
  MINIDL_CHECK(options.bucket_width >= 0 && std::isfinite(options.bucket_width),
               "lsh: bucket_width must be >= 0 (0: from the data), got ", options.bucket_width);
  set_probes(options.probes);
  make_projections();
}

LshIndex::LshIndex(std::int64_t dim, Metric metric, Unfilled) : ExactIndex(dim, metric) {}

void LshIndex::set_probes(std::int64_t probes) {
  MINIDL_CHECK(probes >= 0 && probes <= options_.bits,
               "lsh: probes must be in [0, bits = ", options_.bits, "], got ", probes);
  options_.probes = probes;
}

void LshIndex::make_projections() {
  Generator g(options_.seed);
  const std::int64_t h = options_.tables * options_.bits;
  planes_ = randn({h, dim_}, g).values<float>();
  offsets_ = rand({h}, g).values<float>();  // scaled by w when hashing
  buckets_.assign(static_cast<std::size_t>(options_.tables), {});
}

std::size_t LshIndex::memory_bytes() const {
  std::size_t b = ExactIndex::memory_bytes() + (planes_.capacity() + offsets_.capacity()) * 4;
  for (const auto& t : buckets_) {
    b += t.bucket_count() * sizeof(void*);
    for (const auto& [k, v] : t)
      b += sizeof(k) + sizeof(v) + 16 + v.capacity() * sizeof(std::int32_t);
  }
  return b;
}

std::vector<float> LshIndex::project(const float* x, std::int64_t m) const {
  const std::int64_t h = options_.tables * options_.bits;
  std::vector<float> out(static_cast<std::size_t>(m * h));
  if (m > 0)
    blas::sgemm(false, true, m, h, dim_, 1.0f, x, dim_, planes_.data(), dim_, 0.0f, out.data(), h);
  if (!hyperplanes()) {
    const float w = static_cast<float>(options_.bucket_width);
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < h; ++j)
        out[static_cast<std::size_t>(i * h + j)] =
            (out[static_cast<std::size_t>(i * h + j)] + offsets_[static_cast<std::size_t>(j)] * w) /
            w;
  }
  return out;
}

// flip: the hash changed (-1 for none); dir: -1 or +1 (p-stable: the neighbouring bucket).
std::uint64_t LshIndex::key(const float* proj, std::int64_t table, std::int64_t flip,
                            int dir) const {
  const float* p = proj + table * options_.bits;
  std::uint64_t k = 0;
  for (std::int64_t j = 0; j < options_.bits; ++j) {
    if (hyperplanes()) {
      const bool bit = (p[j] >= 0) != (j == flip);
      k |= static_cast<std::uint64_t>(bit) << j;
    } else {
      // bucket_of saturates at half of int64's range, so the probe's +-1 cannot overflow.
      const std::int64_t v = bucket_of(p[j]) + (j == flip ? dir : 0);
      k = mix(k, v);
    }
  }
  return k;
}

void LshIndex::rebuilt(std::int64_t from_row) {
  const std::int64_t n = size();
  if (from_row == 0 || pending_)
    for (auto& t : buckets_) t.clear();
  if (!hyperplanes() && options_.bucket_width == 0 && n > 1) {
    // w from the data, once: 2 x the mean nearest-neighbour distance within a sample.
    const std::int64_t s = std::min(n, kWidthSample);
    double total = 0;
    for (std::int64_t a = 0; a < s; ++a) {
      float best = std::numeric_limits<float>::infinity();
      for (std::int64_t b = 0; b < s; ++b)
        if (a != b)
          best = std::min(best, l2sq(data_.data() + (a * n / s) * dim_,
                                     data_.data() + (b * n / s) * dim_, dim_));
      total += std::sqrt(best);
    }
    options_.bucket_width = std::max(2.0 * total / static_cast<double>(s), 1e-6);
  }
  if (!hyperplanes() && options_.bucket_width == 0) {  // one row: hashed when w is known
    pending_ = n > 0;
    return;
  }
  // The row that waited for w (a first add of one row) is hashed with the next add.
  const std::int64_t first = pending_ ? 0 : from_row;
  pending_ = false;
  const std::vector<float> proj = project(data_.data() + first * dim_, n - first);
  const std::int64_t h = options_.tables * options_.bits;
  for (std::int64_t i = first; i < n; ++i)
    for (std::int64_t t = 0; t < options_.tables; ++t)
      buckets_[static_cast<std::size_t>(t)][key(proj.data() + (i - first) * h, t, -1, 0)].push_back(
          static_cast<std::int32_t>(i));
}

void LshIndex::search_prepared(const float* q, std::int64_t nq, std::int64_t k,
                               const Filter& filter, std::int64_t* ids, float* keys) const {
  const std::int64_t n = size(), d = dim_, bits = options_.bits, h = options_.tables * bits;
  if (!hyperplanes() && options_.bucket_width == 0) {  // fewer than two rows: scan them
    scan(q, nq, k, filter, ids, keys);
    return;
  }
  parallel_for(nq, kLshQueryGrain, [&](std::int64_t b, std::int64_t e) {
    const std::vector<float> proj = project(q + b * d, e - b);
    std::vector<std::uint32_t> seen(static_cast<std::size_t>(n), 0);
    std::uint32_t stamp = 0;
    std::vector<std::int64_t> order(static_cast<std::size_t>(bits));
    std::vector<float> margin(static_cast<std::size_t>(bits));
    for (std::int64_t i = b; i < e; ++i) {
      ++stamp;
      const float* qi = q + i * d;
      const float* pi = proj.data() + (i - b) * h;
      TopK heap(k, keys + i * k, ids + i * k);
      auto visit = [&](std::int64_t t, std::uint64_t key) {
        const auto& table = buckets_[static_cast<std::size_t>(t)];
        const auto it = table.find(key);
        if (it == table.end()) return;
        for (std::int32_t row : it->second) {
          if (seen[static_cast<std::size_t>(row)] == stamp) continue;
          seen[static_cast<std::size_t>(row)] = stamp;
          const std::int64_t id = ids_[static_cast<std::size_t>(row)];
          const float kk = key_of(metric_, qi, data_.data() + row * d, d);
          if (kk <= heap.worst() && filter.allows(id)) heap.push(kk, id);
        }
      };
      for (std::int64_t t = 0; t < options_.tables; ++t) {
        visit(t, key(pi, t, -1, 0));
        if (options_.probes == 0) continue;
        // The hashes nearest a boundary, nearest first (ties: lower hash).
        const float* p = pi + t * bits;
        for (std::int64_t j = 0; j < bits; ++j) {
          const float f = p[j] - std::floor(p[j]);
          margin[static_cast<std::size_t>(j)] =
              hyperplanes() ? std::fabs(p[j]) : std::min(f, 1.0f - f);
        }
        std::iota(order.begin(), order.end(), 0);
        std::partial_sort(
            order.begin(), order.begin() + options_.probes, order.end(),
            [&](std::int64_t x, std::int64_t y) {
              return margin[static_cast<std::size_t>(x)] < margin[static_cast<std::size_t>(y)] ||
                     (margin[static_cast<std::size_t>(x)] == margin[static_cast<std::size_t>(y)] &&
                      x < y);
            });
        for (std::int64_t pr = 0; pr < options_.probes; ++pr) {
          const std::int64_t j = order[static_cast<std::size_t>(pr)];
          const float f = p[j] - std::floor(p[j]);
          visit(t, key(pi, t, j, f < 0.5f ? -1 : 1));
        }
      }
      heap.finish();
    }
  });
}

void LshIndex::save_body(Writer& w) const {
  w.put(options_.tables);
  w.put(options_.bits);
  w.put(options_.probes);
  w.put(options_.bucket_width);
  w.put(options_.seed);
  w.put_vec(planes_);
  w.put_vec(offsets_);
  ExactIndex::save_body(w);
}

void LshIndex::load_body(Reader& r) {
  options_.tables = r.get<std::int64_t>("tables");
  options_.bits = r.get<std::int64_t>("bits");
  options_.probes = r.get<std::int64_t>("probes");
  options_.bucket_width = r.get<double>("bucket_width");
  options_.seed = r.get<std::uint64_t>("seed");
  r.check(options_.tables >= 1 && options_.tables <= 4096, "lsh tables ", options_.tables,
          " out of range");
  r.check(options_.bits >= 1 && options_.bits <= 64, "lsh bits ", options_.bits, " not in [1, 64]");
  r.check(options_.probes >= 0 && options_.probes <= options_.bits, "lsh probes ", options_.probes,
          " not in [0, bits]");
  r.check(options_.bucket_width >= 0 && std::isfinite(options_.bucket_width), "lsh bucket_width ",
          options_.bucket_width, " invalid");
  planes_ = r.get_vec<float>("planes");
  offsets_ = r.get_vec<float>("offsets");
  const auto h = static_cast<std::size_t>(options_.tables * options_.bits);
  r.check(planes_.size() == h * static_cast<std::size_t>(dim_) && offsets_.size() == h, "lsh has ",
          planes_.size(), " plane and ", offsets_.size(),
          " offset floats, expected tables x bits x dim = ", h * dim_, " and ", h);
  const auto finite = [](const std::vector<float>& v) {
    return std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x); });
  };
  r.check(finite(planes_) && finite(offsets_), "lsh planes or offsets hold NaN or inf");
  buckets_.assign(static_cast<std::size_t>(options_.tables), {});
  ExactIndex::load_body(r);  // rehashes the rows (rebuilt(0))
}

}  // namespace minidl::index
