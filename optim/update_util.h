// Internal to optim/ .cpp files: the pieces every fused update loop shares. Not a public header.
//
// An update is one pass over the raw data of a parameter, its gradient and its buffers, cut into
// chunks of kGrainOptimizer elements that may run in parallel. Every element is independent, so
// the result does not depend on the thread count.
#pragma once

#include <cmath>
#include <cstdint>
#include <experimental/simd>
#include <type_traits>

#include "optim/optimizer.h"
#include "tensor/parallel.h"
#include "tensor/visit_dtype.h"

namespace minidl::optim::kernel {

// ~12 flops and a sqrt/div per element for Adam: between the elementwise and transcendental grains.
// 8192 cuts a 128x128 weight in two: Adam over it took ~8 us inline in the ring GAN iteration
// (bench_gan), half of each player's step (docs/benchmarks.md, "Ring GAN overhead").
inline constexpr std::int64_t kGrainOptimizer = 8192;

// The weight-decay terms of the gradient, as every optimizer applies them (optimizer.h):
//   g + wd * p (L2) + l1 * sign(p) (subgradient L1, sign(0) = 0).
// Branch-free so that a block vectorises: a zero wd or l1 adds an exact 0 (PyTorch skips the term
// instead; the results agree unless p is inf or NaN, when the update is lost anyway).
template <typename T>
struct Decay {
  T wd;
  T l1;  // 0 unless L1Mode::kSubgradient
  T apply(T g, T p) const { return g + wd * p + l1 * static_cast<T>((p > T(0)) - (p < T(0))); }
};

// Proximal L1: sign(p) * max(|p| - thr, 0), thr = lr * l1 (only with L1Mode::kProximal). Written
// so that a NaN stays NaN: a diverged run must not look sparse.
template <typename T>
inline T soft_threshold(T p, T thr) {
  const T a = std::fabs(p) - thr;
  return a <= T(0) ? T(0) : std::copysign(a, p);
}

template <typename T>
Decay<T> make_decay(const Group& g, L1Mode mode, double weight_decay) {
  return {static_cast<T>(weight_decay),
          static_cast<T>(mode == L1Mode::kSubgradient ? g.l1_decay : 0.0)};
}

// Whether the proximal step runs, and its threshold.
inline bool use_prox(const Group& g, L1Mode mode) {
  return mode == L1Mode::kProximal && g.l1_decay != 0;
}
template <typename T>
T prox_threshold(const Group& g) {
  return static_cast<T>(g.lr * g.l1_decay);
}

// Runs range(begin, end) over [0, n) in chunks of kGrainOptimizer, possibly in parallel.
template <typename Range>
void for_chunks(std::int64_t n, const Range& range) {
  if (n <= kGrainOptimizer) return range(std::int64_t{0}, n);
  parallel_for(n, kGrainOptimizer, [&range](std::int64_t b, std::int64_t e) { range(b, e); });
}

// Each kernel walks its chunk as fixed blocks of kBlock plus a tail: GCC 12 at -O2 vectorises only
// loops with a constant trip count (tensor/loops.h). Three things make a block SIMD code: the
// kernel's __restrict pointers, a local copy of its scalars (no store can change them), and a
// block lambda marked always_inline, so the full-block call sees a constant length. The loops
// are written in the kernel itself: behind a helper function GCC loses the __restrict facts.
// A sqrt would keep a block scalar (std::sqrt may set errno), so those kernels run a block in
// three passes: the arithmetic before the sqrt, sqrt_block, the arithmetic after it.
inline constexpr int kBlock = 16;

// q[j] <- sqrt(q[j]) for a block. std::sqrt may set errno, so GCC keeps it scalar (and the
// loop around it) unless -fno-math-errno; std::experimental::simd's sqrt is the same correctly
// rounded IEEE operation on a whole native vector (16 floats = one AVX-512 register). kBlock is a
// multiple of every native width.
// (GCC 12's AVX-512 intrinsics behind std::experimental::simd trip a false -Wmaybe-uninitialized.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
template <typename T>
inline void sqrt_block(T* q) {
  namespace stdx = std::experimental;
  using V = stdx::native_simd<T>;
  static_assert(kBlock % V::size() == 0);
  for (int j = 0; j < kBlock; j += static_cast<int>(V::size())) {
    V x(q + j, stdx::element_aligned);
    x = stdx::sqrt(x);
    x.copy_to(q + j, stdx::element_aligned);
  }
}
#pragma GCC diagnostic pop

// sqrt of the first len entries of a block (a partial block at the end of a chunk stays scalar).
template <typename T>
inline void sqrt_n(T* q, int len) {
  if (len == kBlock) return sqrt_block(q);
  for (int j = 0; j < len; ++j) q[j] = std::sqrt(q[j]);
}

// fn(std::true_type{}) or fn(std::false_type{}): turns a run-time switch into a template flag,
// so each variant of a kernel is compiled without the branch.
template <typename Fn>
void with_flag(bool flag, const Fn& fn) {
  if (flag)
    fn(std::true_type{});
  else
    fn(std::false_type{});
}

}  // namespace minidl::optim::kernel
