// Internal to tensor/ kernels (.cpp files only, like tensor/loops.h): the plane loops of im2col
// and col2im over tensor/conv_kernels.h's geometry, shared by tensor/conv.cpp (the whole-batch
// unfold / fold) and tensor/conv_gemm.cpp (the fused convolution, which unfolds a sample or a
// block of samples at a time into a buffer that stays in cache). See tensor/conv.cpp's opening
// comment for the order of the loops, and the comment at "The runs" below for their forms.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "tensor/conv_kernels.h"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace minidl::detail {

// d[0, n) += s[0, n) for the short runs of col2im (a row of a small feature map is 7-28
// elements), in fixed blocks of 8 plus a tail: the fixed-trip inner loops are what GCC's -O2
// vectoriser takes (as in tensor/loops.h); a plain loop stays scalar and measured ~15% slower.
template <typename T>
void add_run(T* d, const T* s, std::int64_t n) {
  std::int64_t q = 0;
  for (; q + 8 <= n; q += 8) {
    T tmp[8];
    for (int k = 0; k < 8; ++k) tmp[k] = d[q + k] + s[q + k];
    for (int k = 0; k < 8; ++k) d[q + k] = tmp[k];
  }
  for (; q < n; ++q) d[q] += s[q];
}

// ---- The runs. A run is one kernel offset (i, j) of one plane: dst [L] gets the pixel each window
// position (r, q) reads at that offset, 0 in the padding.
//
// Stride 1: window position (r, q) reads plane[off + r W + q], off the pixel of position (0, 0),
// so each output row is one memcpy. A stride s > 1 reads every s-th pixel, a scalar loop (im2col's
// strided copies and col2im's strided adds were ~20% of the DCGAN training step at 4x4 stride 2).
// Instead the plane is split once into its sH sW phase planes, pixel (y, x) going to phase
// (y mod sH, x mod sW) at (y div sH, x div sW), each Hp x Wp = ceil(H / sH) x ceil(W / sW). Kernel
// offset k, which reads pixel pos s + a (a = k dil - pad), reads phase a mod s at pos + floor(a /
// s): a stride-1 read again (a 4x4 stride-2 window is four 2x2 stride-1 windows over the phases).
//
// So every run but the strided fallback has a stride-1 source: position (r, q) reads
// src[off + r pitch + q]. When pitch == W_out (a "same" convolution such as 3x3 padding 1 over the
// plane itself) the valid entries of consecutive rows are consecutive in src: one memcpy of the
// whole block, then the few entries at the row ends that it filled with the neighbouring row's
// pixels are zeroed. On 14x14 maps that is 1 memcpy instead of 14 of 13-14 floats each, where the
// call overhead dominated. When moreover the phase planes are exactly the output's size (Hp x Wp ==
// H_out x W_out: 4x4 stride 2 padding 1, or 3x3 stride 2 padding 1, on even sizes) the phase
// planes of consecutive samples of one channel are stacked, and the runs of all of them are one
// block: at the DCGAN's 7x7 maps one 300-float copy per kernel offset instead of 6 x 7 short
// copies and fills (the calls, not the bytes, were the cost).
//
// The phase planes live in thread-local scratch slot kPhaseScratchSlot, used only inside one
// im2col_planes / col2im_planes call (they call nothing that takes a slot).
inline constexpr int kPhaseScratchSlot = 6;
// Samples stacked at most: 64 KB of float phase planes at 28x28 (the buffer stays in L2).
inline constexpr std::int64_t kPhaseStackElems = 16384;
// Elements after each stack of phase planes that the row helpers below may spill into.
inline constexpr std::int64_t kPhaseSlack = 16;

// Where kernel offset k along one axis reads: pixel pos * s + a with a = k dil - pad, which is
// element pos + shift of phase `phase` (a = shift s + phase, 0 <= phase < s).
struct AxisPhase {
  std::int64_t phase, shift;
};
inline AxisPhase axis_phase(std::int64_t k, std::int64_t s, std::int64_t pad, std::int64_t dil) {
  const std::int64_t a = k * dil - pad, shift = floor_div(a, s);
  return {a - shift * s, shift};
}

// How a geometry's runs are read: the strided fallback, stride 1 from the plane, or from phase
// planes. Phase planes pay when a strided window reads pixels more than once (kH kW > sH sW, 4x
// in the DCGAN's convolutions); a 1x1 or a 2x2 stride-2 window reads each at most once, and the
// split would be one more copy.
struct RunPlan {
  bool strided, phased, stacked;  // stacked: phase planes exactly H_out x W_out
  std::int64_t hp, wp;            // the source planes' size (the plane itself unless phased)
  std::int64_t pp() const { return hp * wp; }
  // Distance between the stacks of m samples' phase planes, with room for the row helpers' spill.
  std::int64_t stride(std::int64_t m) const { return m * pp() + kPhaseSlack; }
};
inline RunPlan run_plan(const Geometry& g) {
  RunPlan p{false, false, false, g.h, g.w};
  if (g.sh == 1 && g.sw == 1) return p;
  if (g.kh * g.kw <= g.sh * g.sw) {
    p.strided = true;
    return p;
  }
  p.phased = true;
  p.hp = ceil_div(g.h, g.sh);
  p.wp = ceil_div(g.w, g.sw);
  p.stacked = p.hp == g.oh && p.wp == g.ow;
  return p;
}
// Samples of one channel handled together from unit u (c-major) within [u, e).
inline std::int64_t stack_of(const RunPlan& rp, const Geometry& g, std::int64_t u, std::int64_t e) {
  if (!rp.stacked) return 1;
  const std::int64_t cap = std::max<std::int64_t>(1, kPhaseStackElems / (g.sh * g.sw * rp.pp()));
  return std::min({e - u, g.n - u % g.n, cap});
}

// row[0, n) -> even[0, ceil(n / 2)) and odd[0, n / 2): the stride-2 phase split of one row, and
// its inverse. Fixed-trip blocks, as in add_run, so that GCC's -O2 vectoriser takes them. Float
// rows have AVX2 versions below, which may read up to 15 elements past the row's source and write
// up to 8 past its destinations (the callers order rows so that later rows overwrite the spill,
// and keep kPhaseSlack elements after each phase stack): the DCGAN's rows are 14 and 28 wide,
// where the blocks of 8 were mostly scalar tails (the split and merge were ~4% of the DCGAN step).
// `room`: elements readable from `row` (split) or writable at `row` (merge) from this row on.
template <typename T>
void deinterleave_row(const T* row, T* even, T* odd, std::int64_t n, std::int64_t /*room*/) {
  const std::int64_t half = n / 2;
  std::int64_t x = 0;
  for (; x + 8 <= half; x += 8) {
    for (int q = 0; q < 8; ++q) even[x + q] = row[2 * (x + q)];
    for (int q = 0; q < 8; ++q) odd[x + q] = row[2 * (x + q) + 1];
  }
  for (; x < half; ++x) {
    even[x] = row[2 * x];
    odd[x] = row[2 * x + 1];
  }
  if (n % 2 != 0) even[half] = row[n - 1];
}
template <typename T>
void interleave_row(const T* even, const T* odd, T* row, std::int64_t n, std::int64_t /*room*/) {
  const std::int64_t half = n / 2;
  std::int64_t x = 0;
  for (; x + 8 <= half; x += 8) {
    T tmp[16];
    for (int q = 0; q < 8; ++q) {
      tmp[2 * q] = even[x + q];
      tmp[2 * q + 1] = odd[x + q];
    }
    for (int q = 0; q < 16; ++q) row[2 * x + q] = tmp[q];
  }
  for (; x < half; ++x) {
    row[2 * x] = even[x];
    row[2 * x + 1] = odd[x];
  }
  if (n % 2 != 0) row[n - 1] = even[half];
}
#if defined(__AVX2__)
// Whole vectors of 16 source elements while `room` allows (two loads, two shuffles and a lane
// permute per output vector, as max pooling's 2x2 split in tensor/max_pool.cpp); the rest by the
// scalar loop. (Masked loads and stores would avoid the spill, but vmaskmovps stores are slow on
// AMD: with them the split cost more than the scalar loop.)
inline void deinterleave_row(const float* row, float* even, float* odd, std::int64_t n,
                             std::int64_t room) {
  std::int64_t x = 0;
  for (; x < n && x + 16 <= room; x += 16) {
    const __m256 a = _mm256_loadu_ps(row + x), b = _mm256_loadu_ps(row + x + 8);
    // Per 128-bit lane [a0 a2 b0 b2 | a4 a6 b4 b6], then the 64-bit pairs in order.
    const __m256 e = _mm256_castpd_ps(
        _mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0))),
                              _MM_SHUFFLE(3, 1, 2, 0)));
    const __m256 o = _mm256_castpd_ps(
        _mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1))),
                              _MM_SHUFFLE(3, 1, 2, 0)));
    _mm256_storeu_ps(even + x / 2, e);
    _mm256_storeu_ps(odd + x / 2, o);
  }
  if (x < n) deinterleave_row<float>(row + x, even + x / 2, odd + x / 2, n - x, 0);
}
inline void interleave_row(const float* even, const float* odd, float* row, std::int64_t n,
                           std::int64_t room) {
  std::int64_t x = 0;
  for (; x < n && x + 16 <= room; x += 16) {
    const __m256 e = _mm256_loadu_ps(even + x / 2), o = _mm256_loadu_ps(odd + x / 2);
    // Per lane [e0 o0 e1 o1 | e4 o4 e5 o5] and [e2 o2 e3 o3 | e6 o6 e7 o7], then the lanes.
    const __m256 lo = _mm256_unpacklo_ps(e, o), hi = _mm256_unpackhi_ps(e, o);
    _mm256_storeu_ps(row + x, _mm256_permute2f128_ps(lo, hi, 0x20));
    _mm256_storeu_ps(row + x + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
  }
  if (x < n) interleave_row<float>(even + x / 2, odd + x / 2, row + x, n - x, 0);
}
#endif

// m planes (the samples of one channel) -> their phase planes: phase (a, b) of sample k at
// ph + (a sW + b) rp.stride(m) + k Hp Wp. Entries past the image (when s does not divide H or W)
// hold whatever was there or spilled: no run reads them. Samples, then phase rows in order, so a
// row's spill lands on a later row (or the slack).
template <typename T>
void split_phases(const T* x, std::int64_t sample_stride, std::int64_t m, T* ph, const Geometry& g,
                  const RunPlan& rp) {
  const std::int64_t wp = rp.wp, pp = rp.pp(), ps = rp.stride(m), size = g.plane();
  for (std::int64_t k = 0; k < m; ++k) {
    const T* plane = x + k * sample_stride;
    for (std::int64_t a = 0; a < g.sh; ++a) {
      T* base = ph + a * g.sw * ps + k * pp;
      for (std::int64_t yp = 0, y = a; y < g.h; ++yp, y += g.sh) {
        const T* row = plane + y * g.w;
        T* d = base + yp * wp;
        if (g.sw == 2) {
          deinterleave_row(row, d, d + ps, g.w, size - y * g.w);
        } else {
          for (std::int64_t b = 0; b < g.sw; ++b)
            for (std::int64_t xp = 0, x0 = b; x0 < g.w; ++xp, x0 += g.sw) d[b * ps + xp] = row[x0];
        }
      }
    }
  }
}

// The inverse: every pixel of the m planes from their phase planes, rows in image order so that a
// row's spill lands on a later row of the same plane (never past the plane: `room`).
template <typename T>
void merge_phases(const T* ph, std::int64_t m, T* x, std::int64_t sample_stride, const Geometry& g,
                  const RunPlan& rp) {
  const std::int64_t wp = rp.wp, pp = rp.pp(), ps = rp.stride(m), size = g.plane();
  for (std::int64_t k = 0; k < m; ++k) {
    T* plane = x + k * sample_stride;
    for (std::int64_t y = 0, a = 0, yp = 0; y < g.h; ++y) {
      T* row = plane + y * g.w;
      const T* s = ph + a * g.sw * ps + k * pp + yp * wp;
      if (g.sw == 2) {
        interleave_row(s, s + ps, row, g.w, size - y * g.w);
      } else {
        for (std::int64_t b = 0; b < g.sw; ++b)
          for (std::int64_t xp = 0, x0 = b; x0 < g.w; ++xp, x0 += g.sw) row[x0] = s[b * ps + xp];
      }
      if (++a == g.sh) {
        a = 0;
        ++yp;
      }
    }
  }
}

// Whether a run with a stride-1 source of this pitch is one block (see above).
inline bool run_is_block(const Geometry& g, std::int64_t pitch, Range rr, Range cr) {
  return pitch == g.ow && rr.lo < rr.hi && cr.lo < cr.hi;
}
// Zeroes the entries of rows [rr.lo, rr.hi) of dst [oh, ow] outside columns [cr.lo, cr.hi).
template <typename T>
void zero_row_ends(T* dst, const Geometry& g, Range rr, Range cr) {
  if (cr.lo == 0 && cr.hi == g.ow) return;
  for (std::int64_t r = rr.lo; r < rr.hi; ++r) {
    std::fill(dst + r * g.ow, dst + r * g.ow + cr.lo, T(0));
    std::fill(dst + r * g.ow + cr.hi, dst + (r + 1) * g.ow, T(0));
  }
}
// Zeroes the entries of m consecutive [oh, ow] planes outside rows rr x columns cr: whole rows,
// then the columns down all m oh rows at once (strided stores, no call per row).
template <typename T>
void zero_outside(T* dst, const Geometry& g, std::int64_t m, Range rr, Range cr) {
  const std::int64_t l = g.l();
  for (std::int64_t k = 0; k < m; ++k) {
    std::fill(dst + k * l, dst + k * l + rr.lo * g.ow, T(0));
    std::fill(dst + k * l + rr.hi * g.ow, dst + (k + 1) * l, T(0));
  }
  const std::int64_t rows = m * g.oh;
  for (std::int64_t q = 0; q < cr.lo; ++q)
    for (std::int64_t t = 0; t < rows; ++t) dst[t * g.ow + q] = T(0);
  for (std::int64_t q = cr.hi; q < g.ow; ++q)
    for (std::int64_t t = 0; t < rows; ++t) dst[t * g.ow + q] = T(0);
}

// One run from a stride-1 source: dst[r ow + q] = src[off + r pitch + q] for (r, q) in rr x cr,
// 0 elsewhere. (Offsets, not pointers: off + r pitch + q is only in range inside rr x cr.)
template <typename T>
void unfold_run(const T* src, std::int64_t off, std::int64_t pitch, T* dst, const Geometry& g,
                Range rr, Range cr) {
  std::fill(dst, dst + rr.lo * g.ow, T(0));
  if (run_is_block(g, pitch, rr, cr)) {
    const std::int64_t first = rr.lo * g.ow + cr.lo, end = (rr.hi - 1) * g.ow + cr.hi;
    std::memcpy(dst + first, src + (off + first),
                sizeof(T) * static_cast<std::size_t>(end - first));
    zero_row_ends(dst, g, rr, cr);
  } else {
    for (std::int64_t r = rr.lo; r < rr.hi; ++r) {
      T* drow = dst + r * g.ow;
      std::fill(drow, drow + cr.lo, T(0));
      if (cr.lo < cr.hi)
        std::memcpy(drow + cr.lo, src + (off + r * pitch + cr.lo),
                    sizeof(T) * static_cast<std::size_t>(cr.hi - cr.lo));
      std::fill(drow + cr.hi, drow + g.ow, T(0));
    }
  }
  std::fill(dst + rr.hi * g.ow, dst + g.l(), T(0));
}

// The valid span of m stacked [oh, ow] planes' runs: from the first valid entry of the first
// plane to the end of the last valid entry of the last; empty when rr or cr is.
inline Range stacked_span(const Geometry& g, std::int64_t m, Range rr, Range cr) {
  if (rr.lo >= rr.hi || cr.lo >= cr.hi) return {0, 0};
  return {rr.lo * g.ow + cr.lo, (m - 1) * g.l() + (rr.hi - 1) * g.ow + cr.hi};
}

// The strided fallback (strides > 1 without phase planes, see run_plan): straight from the plane,
// every sW-th pixel.
template <typename T>
void unfold_run_strided(const T* plane, T* dst, const Geometry& g, std::int64_t i, std::int64_t j,
                        Range rr, Range cr) {
  std::fill(dst, dst + rr.lo * g.ow, T(0));
  for (std::int64_t r = rr.lo; r < rr.hi; ++r) {
    T* drow = dst + r * g.ow;
    const std::int64_t off = (r * g.sh - g.ph + i * g.dh) * g.w - g.pw + j * g.dw;
    std::fill(drow, drow + cr.lo, T(0));
    for (std::int64_t q = cr.lo; q < cr.hi; ++q) drow[q] = plane[off + q * g.sw];
    std::fill(drow + cr.hi, drow + g.ow, T(0));
  }
  std::fill(dst + rr.hi * g.ow, dst + g.l(), T(0));
}

// im2col of units [b, e), unit u = (c, n), c-major, so neighbouring units fill neighbouring runs
// of the same kH*kW rows, and each unit reads its plane (a few KB) kH*kW times from cache.
template <typename T>
void im2col_planes(const T* x, T* out, Geometry g, const Range* rows, const Range* cols,
                   std::int64_t b, std::int64_t e) {
  const std::int64_t nl = g.n * g.l(), sample = g.c * g.plane();
  const RunPlan rp = run_plan(g);
  T* ph = rp.phased
              ? conv_scratch<T>(kPhaseScratchSlot, g.sh * g.sw * rp.stride(stack_of(rp, g, 0, g.n)))
              : nullptr;
  for (std::int64_t u = b; u < e;) {
    const std::int64_t ci = u / g.n, ni = u % g.n, m = stack_of(rp, g, u, e);
    const T* plane = x + ni * sample + ci * g.plane();
    if (rp.phased) split_phases(plane, sample, m, ph, g, rp);
    for (std::int64_t i = 0; i < g.kh; ++i) {
      const AxisPhase ai = axis_phase(i, g.sh, g.ph, g.dh);
      for (std::int64_t j = 0; j < g.kw; ++j) {
        T* dst = out + ((ci * g.kh + i) * g.kw + j) * nl + ni * g.l();
        if (rp.strided) {
          unfold_run_strided(plane, dst, g, i, j, rows[i], cols[j]);
          continue;
        }
        const AxisPhase aj = axis_phase(j, g.sw, g.pw, g.dw);
        const T* src = rp.phased ? ph + (ai.phase * g.sw + aj.phase) * rp.stride(m) : plane;
        const std::int64_t off = ai.shift * rp.wp + aj.shift;
        if (rp.stacked) {
          // dst[d] = src[off + d] over the m stacked planes, then the padding zeroed.
          const Range span = stacked_span(g, m, rows[i], cols[j]);
          std::memcpy(dst + span.lo, src + (off + span.lo),
                      sizeof(T) * static_cast<std::size_t>(span.hi - span.lo));
          zero_outside(dst, g, m, rows[i], cols[j]);
        } else {
          unfold_run(src, off, rp.wp, dst, g, rows[i], cols[j]);
        }
      }
    }
    u += m;
  }
}

// col2im of output planes [b, e), unit u = (c, n), c-major like im2col, so a chunk streams through
// consecutive runs of the same kH*kW rows of cols. Each pixel receives its terms in (kh, kw) order
// (phase planes are summed the same way, then merged: the same sums). With kScratch the caller's
// cols may be overwritten (the fused convolution's per-sample buffer): a block run
// (run_is_block, or stacked phase planes) then has its out-of-image entries zeroed and is added as
// one block, each pixel still receiving its terms in the same order (plus zeros).
//
// bias (optional, [C]): added to each plane of channel c after its sum, while the plane is still
// in L1 (conv_transpose2d's bias: the same sums as a separate pass over the output afterwards).
template <typename T, bool kScratch = false>
void col2im_planes(std::conditional_t<kScratch, T*, const T*> cols, T* out, Geometry g,
                   const Range* rows, const Range* colr, std::int64_t b, std::int64_t e,
                   const T* bias = nullptr) {
  const std::int64_t nl = g.n * g.l(), sample = g.c * g.plane();
  RunPlan rp = run_plan(g);
  rp.stacked = rp.stacked && kScratch;
  T* ph = rp.phased
              ? conv_scratch<T>(kPhaseScratchSlot, g.sh * g.sw * rp.stride(stack_of(rp, g, 0, g.n)))
              : nullptr;
  for (std::int64_t u = b; u < e;) {
    const std::int64_t ci = u / g.n, ni = u % g.n, m = stack_of(rp, g, u, e);
    T* plane = out + ni * sample + ci * g.plane();
    if (rp.phased)
      std::fill(ph, ph + g.sh * g.sw * rp.stride(m), T(0));
    else
      std::fill(plane, plane + g.plane(), T(0));
    for (std::int64_t i = 0; i < g.kh; ++i) {
      const Range rr = rows[i];
      const AxisPhase ai = axis_phase(i, g.sh, g.ph, g.dh);
      for (std::int64_t j = 0; j < g.kw; ++j) {
        const Range cr = colr[j];
        const auto src = cols + ((ci * g.kh + i) * g.kw + j) * nl + ni * g.l();
        if (rp.strided) {
          for (std::int64_t r = rr.lo; r < rr.hi; ++r) {
            const T* srow = src + r * g.ow;
            const std::int64_t off = (r * g.sh - g.ph + i * g.dh) * g.w - g.pw + j * g.dw;
            for (std::int64_t q = cr.lo; q < cr.hi; ++q) plane[off + q * g.sw] += srow[q];
          }
          continue;
        }
        const AxisPhase aj = axis_phase(j, g.sw, g.pw, g.dw);
        T* dst = rp.phased ? ph + (ai.phase * g.sw + aj.phase) * rp.stride(m) : plane;
        const std::int64_t off = ai.shift * rp.wp + aj.shift;
        if constexpr (kScratch) {
          if (rp.stacked) {
            zero_outside(src, g, m, rr, cr);
            const Range span = stacked_span(g, m, rr, cr);
            add_run(dst + (off + span.lo), src + span.lo, span.hi - span.lo);
            continue;
          }
          if (run_is_block(g, rp.wp, rr, cr)) {
            zero_row_ends(src, g, rr, cr);
            const std::int64_t first = rr.lo * g.ow + cr.lo, end = (rr.hi - 1) * g.ow + cr.hi;
            add_run(dst + (off + first), src + first, end - first);
            continue;
          }
        }
        for (std::int64_t r = rr.lo; r < rr.hi; ++r)
          add_run(dst + (off + r * rp.wp + cr.lo), src + r * g.ow + cr.lo, cr.hi - cr.lo);
      }
    }
    if (rp.phased) merge_phases(ph, m, plane, sample, g, rp);
    if (bias != nullptr)
      for (std::int64_t k = 0; k < m; ++k) {
        T* pk = plane + k * sample;
        const T bc = bias[ci];
        for (std::int64_t i = 0; i < g.plane(); ++i) pk[i] += bc;
      }
    u += m;
  }
}

}  // namespace minidl::detail
