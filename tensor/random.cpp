#include "tensor/random.h"

#include <atomic>
#include <cmath>
#include <numbers>

#include "tensor/dispatch.h"
#include "tensor/parallel.h"

namespace minidl {
namespace {

// Philox-4x32-10: ten rounds of multiply-xor-permute over a 128-bit counter under a 64-bit key.
struct U32x4 {
  std::uint32_t v[4];
};

U32x4 philox(std::uint64_t key, std::uint64_t counter) {
  constexpr std::uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr std::uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  std::uint32_t c0 = static_cast<std::uint32_t>(counter),
                c1 = static_cast<std::uint32_t>(counter >> 32);
  std::uint32_t c2 = 0, c3 = 0;
  std::uint32_t k0 = static_cast<std::uint32_t>(key), k1 = static_cast<std::uint32_t>(key >> 32);
  for (int r = 0; r < 10; ++r) {
    std::uint64_t p0 = static_cast<std::uint64_t>(kM0) * c0;
    std::uint64_t p1 = static_cast<std::uint64_t>(kM1) * c2;
    std::uint32_t n0 = static_cast<std::uint32_t>(p1 >> 32) ^ c1 ^ k0;
    std::uint32_t n1 = static_cast<std::uint32_t>(p1);
    std::uint32_t n2 = static_cast<std::uint32_t>(p0 >> 32) ^ c3 ^ k1;
    std::uint32_t n3 = static_cast<std::uint32_t>(p0);
    c0 = n0;
    c1 = n1;
    c2 = n2;
    c3 = n3;
    k0 += kW0;
    k1 += kW1;
  }
  return {{c0, c1, c2, c3}};
}

// Normals per chunk: one costs ~30 ns (a Philox block, then log, cos and sqrt in double), so 256
// are ~8 us. The GAN trainer draws 256 x 2 noise samples twice per iteration: at the
// transcendental grain each draw ran on one core (docs/benchmarks.md, "Ring GAN overhead").
constexpr std::int64_t kGrainNormal = 256;

// 53 random bits -> [0, 1).
inline double to_unit(std::uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

// Fills out[i] = f(counter base + i) for i in [0, n), in parallel, independent of thread count.
template <typename T, typename F>
void fill_counters(T* out, std::int64_t n, F f, std::int64_t grain = kGrainTranscendental) {
  parallel_for(n, grain, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) out[i] = f(i);
  });
}

}  // namespace

std::uint64_t philox_u64(std::uint64_t seed, std::uint64_t counter) {
  U32x4 r = philox(seed, counter);
  return (static_cast<std::uint64_t>(r.v[0]) << 32) | r.v[1];
}

namespace {
// Atomics so concurrent draws never return one seed twice; manual_seed itself is meant for the
// start of a program (a draw racing with it may see the old seed or the old index).
std::atomic<std::uint64_t> default_seed{0};
std::atomic<std::uint64_t> default_draws{0};
}  // namespace

void manual_seed(std::uint64_t seed) {
  default_seed.store(seed);
  default_draws.store(0);
}

std::uint64_t next_default_seed() {
  return philox_u64(default_seed.load(), default_draws.fetch_add(1));
}

double Generator::uniform() { return to_unit(philox_u64(seed_, reserve(1))); }
std::uint64_t Generator::next_u64() { return philox_u64(seed_, reserve(1)); }

Tensor rand(const Shape& shape, Generator& gen, DType dtype, double low, double high) {
  Tensor t(shape, dtype);
  std::uint64_t base = gen.reserve(static_cast<std::uint64_t>(t.numel()));
  std::uint64_t seed = gen.seed();
  detail::dispatch_floating(dtype, "rand", [&](auto tag) {
    using T = decltype(tag);
    fill_counters(t.data<T>(), t.numel(), [&](std::int64_t i) {
      double u = to_unit(philox_u64(seed, base + static_cast<std::uint64_t>(i)));
      T v = static_cast<T>(low + (high - low) * u);
      // float rounding can reach `high`; keep the interval half-open.
      if (v >= static_cast<T>(high) && high > low)
        v = std::nextafter(static_cast<T>(high), static_cast<T>(low));
      return v;
    });
  });
  return t;
}

Tensor randn(const Shape& shape, Generator& gen, DType dtype, double mean, double stddev) {
  Tensor t(shape, dtype);
  std::uint64_t base = gen.reserve(static_cast<std::uint64_t>(t.numel()));
  std::uint64_t seed = gen.seed();
  detail::dispatch_floating(dtype, "randn", [&](auto tag) {
    using T = decltype(tag);
    fill_counters(
        t.data<T>(), t.numel(),
        [&](std::int64_t i) {
          // Box-Muller on the four 32-bit words of one Philox block: two 64-bit uniforms -> one
          // normal.
          U32x4 r = philox(seed, base + static_cast<std::uint64_t>(i));
          std::uint64_t a = (static_cast<std::uint64_t>(r.v[0]) << 32) | r.v[1];
          std::uint64_t b = (static_cast<std::uint64_t>(r.v[2]) << 32) | r.v[3];
          double u1 = 1.0 - to_unit(a);  // (0, 1]: log is finite
          double u2 = to_unit(b);
          double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
          return static_cast<T>(mean + stddev * z);
        },
        kGrainNormal);
  });
  return t;
}

Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, Generator& gen,
               DType dtype) {
  MINIDL_CHECK(high > low, "randint: empty range [", low, ", ", high, ")");
  Tensor t(shape, kInt64);
  std::uint64_t base = gen.reserve(static_cast<std::uint64_t>(t.numel()));
  std::uint64_t seed = gen.seed();
  auto range = static_cast<std::uint64_t>(high - low);
  fill_counters(t.data<std::int64_t>(), t.numel(), [&](std::int64_t i) {
    // 128-bit multiply maps 64 random bits onto [0, range) with negligible bias (Lemire).
    unsigned __int128 m =
        static_cast<unsigned __int128>(philox_u64(seed, base + static_cast<std::uint64_t>(i))) *
        range;
    return low + static_cast<std::int64_t>(m >> 64);
  });
  return dtype == kInt64 ? t : t.to(dtype);
}

Tensor bernoulli(const Shape& shape, double p, Generator& gen, DType dtype) {
  MINIDL_CHECK(p >= 0.0 && p <= 1.0, "bernoulli: p must be in [0, 1], got ", p);
  Tensor u = rand(shape, gen, kFloat64);
  Tensor t(shape, dtype);
  const double* pu = u.data<double>();
  detail::dispatch(dtype, "bernoulli", [&](auto tag) {
    using T = decltype(tag);
    fill_counters(t.data<T>(), t.numel(), [&](std::int64_t i) { return pu[i] < p ? T(1) : T(0); });
  });
  return t;
}

Tensor bernoulli(const Tensor& p, Generator& gen) {
  Tensor u = rand(p.shape(), gen, kFloat64);
  Tensor pd = p.to(kFloat64);
  Tensor t(p.shape(), p.dtype());
  const double* pu = u.data<double>();
  const double* pp = pd.data<double>();
  for (std::int64_t i = 0; i < p.numel(); ++i)
    MINIDL_CHECK(pp[i] >= 0.0 && pp[i] <= 1.0, "bernoulli: probability ", pp[i], " at index ", i,
                 " is outside [0, 1]");
  detail::dispatch(p.dtype(), "bernoulli", [&](auto tag) {
    using T = decltype(tag);
    fill_counters(t.data<T>(), t.numel(),
                  [&](std::int64_t i) { return pu[i] < pp[i] ? T(1) : T(0); });
  });
  return t;
}

Tensor permutation(std::int64_t n, Generator& gen) {
  MINIDL_CHECK(n >= 0, "permutation: n must be >= 0, got ", n);
  Tensor t = arange(n);
  std::int64_t* p = t.data<std::int64_t>();
  std::uint64_t base = gen.reserve(static_cast<std::uint64_t>(n));
  for (std::int64_t i = n - 1; i > 0; --i) {
    unsigned __int128 m = static_cast<unsigned __int128>(
                              philox_u64(gen.seed(), base + static_cast<std::uint64_t>(i))) *
                          static_cast<std::uint64_t>(i + 1);
    auto j = static_cast<std::int64_t>(m >> 64);
    std::swap(p[i], p[j]);
  }
  return t;
}

}  // namespace minidl
