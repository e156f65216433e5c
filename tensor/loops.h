// Internal to tensor/ kernels (.cpp files only, like tensor/dispatch.h): the loop skeletons shared
// by the elementwise and reduction kernels.
//
// - run_chunks: parallel_for that skips the std::function (and TBB) entirely for one-chunk work,
//   so a 1x16 op costs no more than its output allocation.
// - map1 / map_vv / map_vs / map_sv: contiguous loops written as fixed 16-element blocks through a
//   stack buffer. GCC 12 at -O2 uses the "very cheap" vectoriser cost model, which leaves a plain
//   `for (i = b; i < e; ++i)` loop scalar; a fixed-trip inner block is SLP-vectorised (AVX-512 on
//   this machine), and because a block reads all inputs before it writes, out may alias an input
//   at the same index (in-place ops). When out overlaps no input (every fresh output), the same
//   blocks are stored straight to out through __restrict pointers: ReLU on [256, 128] 3.6 -> 2.7
//   us, the bias add 5.5 -> 3.3, one thread (docs/mlp_epoch.md, "Small models on two threads").
// - StridedPlan / for_each_run: NumPy-style broadcasting (or permuted reads) over a row-major
//   output, with size-1 axes dropped and mergeable axes coalesced, walked as runs of the
//   innermost axis.
#pragma once

#include <cstdint>
#include <utility>

#include "tensor/error.h"
#include "tensor/parallel.h"

namespace minidl::detail {

template <typename Body>
inline void run_chunks(std::int64_t n, std::int64_t grain, Body&& body) {
  if (n <= 0) return;
  if (n <= grain) {
    body(std::int64_t{0}, n);
    return;
  }
  // Captures one reference, so std::function stores it inline (no heap allocation).
  parallel_for(n, grain, [&body](std::int64_t b, std::int64_t e) { body(b, e); });
}

inline constexpr int kBlock = 16;

// True when [out, out + n) and [x, x + n) share no byte (pointer order compared as integers, which
// is well defined). Distinct buffers take the restrict loops below: without the stack buffer GCC
// stores each block straight to out, instead of storing it to the stack and reading it back
// through narrower loads (a store-forwarding stall that made ReLU on a [128, 256] tensor ~40%
// slower than a copy; docs/mlp_epoch.md).
template <typename T, typename U>
inline bool disjoint(const T* x, const U* out, std::int64_t n) {
  const auto xb = reinterpret_cast<std::uintptr_t>(x), ob = reinterpret_cast<std::uintptr_t>(out);
  return xb + static_cast<std::uintptr_t>(n) * sizeof(T) <= ob ||
         ob + static_cast<std::uintptr_t>(n) * sizeof(U) <= xb;
}

template <typename T, typename U, typename F>
inline void map1_restrict(const T* __restrict x, U* __restrict out, std::int64_t n, F f) {
  std::int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock)
    for (int j = 0; j < kBlock; ++j) out[i + j] = f(x[i + j]);
  for (; i < n; ++i) out[i] = f(x[i]);
}

template <typename T, typename U, typename F>
inline void map_vv_restrict(const T* __restrict a, const T* __restrict b, U* __restrict out,
                            std::int64_t n, F f) {
  std::int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock)
    for (int j = 0; j < kBlock; ++j) out[i + j] = f(a[i + j], b[i + j]);
  for (; i < n; ++i) out[i] = f(a[i], b[i]);
}

template <typename T, typename U, typename F>
inline void map_vs_restrict(const T* __restrict a, T s, U* __restrict out, std::int64_t n, F f) {
  std::int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock)
    for (int j = 0; j < kBlock; ++j) out[i + j] = f(a[i + j], s);
  for (; i < n; ++i) out[i] = f(a[i], s);
}

template <typename T, typename U, typename F>
inline void map_sv_restrict(T s, const T* __restrict b, U* __restrict out, std::int64_t n, F f) {
  std::int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock)
    for (int j = 0; j < kBlock; ++j) out[i + j] = f(s, b[i + j]);
  for (; i < n; ++i) out[i] = f(s, b[i]);
}

// out[i] = f(x[i])
template <typename T, typename U, typename F>
inline void map1(const T* x, U* out, std::int64_t n, F f) {
  if (disjoint(x, out, n)) return map1_restrict(x, out, n, f);
  std::int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    U tmp[kBlock];
    for (int j = 0; j < kBlock; ++j) tmp[j] = f(x[i + j]);
    for (int j = 0; j < kBlock; ++j) out[i + j] = tmp[j];
  }
  for (; i < n; ++i) out[i] = f(x[i]);
}

// out[i] = f(a[i], b[i])
template <typename T, typename U, typename F>
inline void map_vv(const T* a, const T* b, U* out, std::int64_t n, F f) {
  if (disjoint(a, out, n) && disjoint(b, out, n)) return map_vv_restrict(a, b, out, n, f);
  std::int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    U tmp[kBlock];
    for (int j = 0; j < kBlock; ++j) tmp[j] = f(a[i + j], b[i + j]);
    for (int j = 0; j < kBlock; ++j) out[i + j] = tmp[j];
  }
  for (; i < n; ++i) out[i] = f(a[i], b[i]);
}

// out[i] = f(a[i], s)
template <typename T, typename U, typename F>
inline void map_vs(const T* a, T s, U* out, std::int64_t n, F f) {
  if (disjoint(a, out, n)) return map_vs_restrict(a, s, out, n, f);
  std::int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    U tmp[kBlock];
    for (int j = 0; j < kBlock; ++j) tmp[j] = f(a[i + j], s);
    for (int j = 0; j < kBlock; ++j) out[i + j] = tmp[j];
  }
  for (; i < n; ++i) out[i] = f(a[i], s);
}

// out[i] = f(s, b[i])
template <typename T, typename U, typename F>
inline void map_sv(T s, const T* b, U* out, std::int64_t n, F f) {
  if (disjoint(b, out, n)) return map_sv_restrict(s, b, out, n, f);
  std::int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    U tmp[kBlock];
    for (int j = 0; j < kBlock; ++j) tmp[j] = f(s, b[i + j]);
    for (int j = 0; j < kBlock; ++j) out[i + j] = tmp[j];
  }
  for (; i < n; ++i) out[i] = f(s, b[i]);
}

// A row-major output of `numel` elements read through up to three inputs, each with its own
// element strides (0 on a broadcast axis). Fixed capacity, so building one allocates nothing.
struct StridedPlan {
  static constexpr int kMaxDims = 16;
  int ndim = 0;
  int nin = 0;
  std::int64_t numel = 1;
  std::int64_t shape[kMaxDims] = {};
  std::int64_t stride[3][kMaxDims] = {};

  explicit StridedPlan(int num_inputs) : nin(num_inputs) {}

  // Appends the next (inner) output axis; size-1 axes vanish and an axis merges into the previous
  // one when every input steps through both as one (stride_outer == stride_inner * size_inner).
  void push(std::int64_t size, const std::int64_t* strides, const char* op) {
    numel *= size;
    if (size == 1) return;
    if (ndim > 0) {
      bool merge = true;
      for (int k = 0; k < nin; ++k) merge = merge && stride[k][ndim - 1] == strides[k] * size;
      if (merge) {
        shape[ndim - 1] *= size;
        for (int k = 0; k < nin; ++k) stride[k][ndim - 1] = strides[k];
        return;
      }
    }
    MINIDL_CHECK(ndim < kMaxDims, op, ": more than ", kMaxDims, " non-mergeable axes");
    shape[ndim] = size;
    for (int k = 0; k < nin; ++k) stride[k][ndim] = strides[k];
    ++ndim;
  }

  // Every tensor gets at least one axis, so the walkers need no special case for 0-d.
  void finish() {
    if (ndim > 0) return;
    shape[0] = 1;
    for (int k = 0; k < nin; ++k) stride[k][0] = 0;
    ndim = 1;
  }

  std::int64_t inner_stride(int k) const { return stride[k][ndim - 1]; }
};

// Calls run(off, pos, len) for each run of the innermost axis inside output elements [begin, end):
// output elements pos..pos+len-1 read input k at off[k] + j * inner_stride(k).
template <int N, typename Run>
inline void for_each_run(const StridedPlan& p, std::int64_t begin, std::int64_t end, Run&& run) {
  const int last = p.ndim - 1;
  std::int64_t idx[StridedPlan::kMaxDims];
  std::int64_t off[N] = {};
  std::int64_t rem = begin;
  for (int d = last; d >= 0; --d) {
    idx[d] = rem % p.shape[d];
    rem /= p.shape[d];
    for (int k = 0; k < N; ++k) off[k] += idx[d] * p.stride[k][d];
  }
  std::int64_t pos = begin;
  while (pos < end) {
    std::int64_t len = p.shape[last] - idx[last];
    if (len > end - pos) len = end - pos;
    run(static_cast<const std::int64_t*>(off), pos, len);
    pos += len;
    idx[last] += len;
    for (int k = 0; k < N; ++k) off[k] += len * p.stride[k][last];
    // Carry into outer axes.
    for (int d = last; d > 0 && idx[d] == p.shape[d]; --d) {
      idx[d] = 0;
      ++idx[d - 1];
      for (int k = 0; k < N; ++k) off[k] += p.stride[k][d - 1] - p.shape[d] * p.stride[k][d];
    }
  }
}

}  // namespace minidl::detail
