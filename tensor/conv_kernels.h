// Internal to tensor/ kernels (.cpp files only, like tensor/loops.h): the window geometry and the
// plane loops of im2col and col2im, shared by tensor/conv.cpp (the whole-batch unfold / fold) and
// tensor/conv_gemm.cpp (the fused convolution, which unfolds one sample at a time into a buffer
// that stays in cache). See tensor/conv.cpp's opening comment for why the loops look this way.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "tensor/blas.h"
#include "tensor/conv.h"

namespace minidl::detail {

// One GEMM through the BLAS door, overloaded on the element type so the kernels are templates.
inline void conv_gemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k,
                      const float* a, std::int64_t lda, const float* b, std::int64_t ldb,
                      float beta, float* c, std::int64_t ldc) {
  blas::sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
}
inline void conv_gemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k,
                      const double* a, std::int64_t lda, const double* b, std::int64_t ldb,
                      double beta, double* c, std::int64_t ldc) {
  blas::dgemm(ta, tb, m, n, k, 1.0, a, lda, b, ldb, beta, c, ldc);
}

// A thread-local buffer of at least n elements that grows and is kept, so steady-state training
// allocates none. Slots are independent; each kernel file owns its own (conv_gemm.cpp 0-1 and 5,
// conv_winograd.cpp 2-4), so a path that calls another never overwrites a buffer in use.
inline constexpr int kConvScratchSlots = 6;
template <typename T>
T* conv_scratch(int slot, std::int64_t n) {
  thread_local std::vector<T> bufs[kConvScratchSlots];
  auto& b = bufs[slot];
  if (static_cast<std::int64_t>(b.size()) < n) b.resize(static_cast<std::size_t>(n));
  return b.data();
}

// Elements touched per chunk (~10-50 µs of copying); planes are the unit, so a chunk is
// max(1, kGrainConv / plane work) planes.
inline constexpr std::int64_t kGrainConv = 32768;

using Shape4 = std::array<std::int64_t, 4>;

// Floor division for a possibly negative numerator (PyTorch's div_rtn), positive d.
inline std::int64_t floor_div(std::int64_t a, std::int64_t d) {
  return a >= 0 ? a / d : -((-a + d - 1) / d);
}
inline std::int64_t ceil_div(std::int64_t a, std::int64_t d) { return -floor_div(-a, d); }

// A half-open range [lo, hi) of window positions or of kernel offsets.
struct Range {
  std::int64_t lo = 0, hi = 0;
};

// Everything a kernel needs about the image, the window and the output grid: plain scalars,
// passed by value into the plane loops, so the compiler may keep them in registers across the
// loops' stores and memcpy calls (through a reference it must assume those could change them).
struct Geometry {
  std::int64_t n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;
  std::int64_t plane() const { return h * w; }
  std::int64_t l() const { return oh * ow; }
  std::int64_t kk() const { return kh * kw; }
  // Planes per chunk: each plane's work is about kH*kW*L elements. Divided out one factor at a
  // time (the same floor), since a pooling kernel may be huge and kH*kW*L pass int64.
  std::int64_t plane_grain() const {
    return std::max<std::int64_t>(1, kGrainConv / kh / kw / std::max<std::int64_t>(1, l()));
  }
};

inline Geometry geometry(Shape4 s, const Window2d& win, Pair out) {
  const auto [kh, kw] = win.kernel;
  const auto [sh, sw] = win.stride;
  const auto [ph, pw] = win.padding;
  const auto [dh, dw] = win.dilation;
  return {s[0], s[1], s[2], s[3], kh, kw, sh, sw, ph, pw, dh, dw, out[0], out[1]};
}

// For each kernel offset k along one axis, the window positions [lo, hi) whose pixel
// pos * stride - pad + k * dil lies inside [0, in): im2col and col2im loop over these.
inline std::vector<Range> position_ranges(std::int64_t k, std::int64_t stride, std::int64_t pad,
                                          std::int64_t dil, std::int64_t in, std::int64_t out) {
  std::vector<Range> r(static_cast<std::size_t>(k));
  for (std::int64_t i = 0; i < k; ++i) {
    Range& pr = r[static_cast<std::size_t>(i)];
    pr.lo = std::clamp<std::int64_t>(ceil_div(pad - i * dil, stride), 0, out);
    pr.hi = std::clamp<std::int64_t>(ceil_div(in + pad - i * dil, stride), pr.lo, out);
  }
  return r;
}

// For each window position along one axis, the kernel offsets [lo, hi) that land inside the
// image (the transpose of position_ranges): max pooling's window-at-a-time loop uses these.
inline std::vector<Range> kernel_ranges(std::int64_t out, std::int64_t k, std::int64_t stride,
                                        std::int64_t pad, std::int64_t dil, std::int64_t in) {
  std::vector<Range> r(static_cast<std::size_t>(out));
  for (std::int64_t o = 0; o < out; ++o) {
    const std::int64_t start = o * stride - pad;  // pixel of kernel offset 0
    Range& kr = r[static_cast<std::size_t>(o)];
    kr.lo = std::clamp<std::int64_t>(ceil_div(-start, dil), 0, k);
    kr.hi = std::clamp<std::int64_t>(ceil_div(in - start, dil), kr.lo, k);
  }
  return r;
}

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

// One unfolded run: window positions of plane `plane` at kernel offset (i, j) into dst [L].
//
// When output rows are as wide as input rows and both strides are 1 (a "same" convolution such as
// 3x3 with padding 1), the valid pixels of consecutive output rows are consecutive in the plane:
// one memcpy of the whole block, then the few entries at the row ends that it filled with the
// neighbouring row's pixels are zeroed. On 14x14 maps that is 1 memcpy instead of 14 of 13-14
// floats each, where the call overhead dominated (im2col was a third of the fused forward).
template <typename T>
bool unfold_is_block(const Geometry& g, Range rr, Range cr) {
  return g.sh == 1 && g.sw == 1 && g.ow == g.w && rr.lo < rr.hi && cr.lo < cr.hi;
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

template <typename T>
void unfold_run(const T* plane, T* dst, const Geometry& g, std::int64_t i, std::int64_t j, Range rr,
                Range cr) {
  std::fill(dst, dst + rr.lo * g.ow, T(0));
  if (unfold_is_block<T>(g, rr, cr)) {
    // dst index r*ow + q is pixel off0 + r*w + q: one contiguous range from the first valid
    // entry to the last.
    const std::int64_t first = rr.lo * g.ow + cr.lo, end = (rr.hi - 1) * g.ow + cr.hi;
    const std::int64_t off0 = (-g.ph + i * g.dh) * g.w - g.pw + j * g.dw;
    std::memcpy(dst + first, plane + off0 + first,
                sizeof(T) * static_cast<std::size_t>(end - first));
    zero_row_ends(dst, g, rr, cr);
    std::fill(dst + rr.hi * g.ow, dst + g.l(), T(0));
    return;
  }
  for (std::int64_t r = rr.lo; r < rr.hi; ++r) {
    T* drow = dst + r * g.ow;
    // The pixel of output column q is plane[off + q * sw] (an offset, not a pointer: off + q * sw
    // is only in range for q inside cr).
    const std::int64_t off = (r * g.sh - g.ph + i * g.dh) * g.w - g.pw + j * g.dw;
    std::fill(drow, drow + cr.lo, T(0));
    if (g.sw == 1) {
      std::memcpy(drow + cr.lo, plane + off + cr.lo,
                  sizeof(T) * static_cast<std::size_t>(cr.hi - cr.lo));
    } else {
      for (std::int64_t q = cr.lo; q < cr.hi; ++q) drow[q] = plane[off + q * g.sw];
    }
    std::fill(drow + cr.hi, drow + g.ow, T(0));
  }
  std::fill(dst + rr.hi * g.ow, dst + g.l(), T(0));
}

// im2col of units [b, e), unit u = (c, n), c-major, so neighbouring units fill neighbouring runs
// of the same kH*kW rows, and each unit reads its plane (a few KB) kH*kW times from cache.
template <typename T>
void im2col_planes(const T* x, T* out, Geometry g, const Range* rows, const Range* cols,
                   std::int64_t b, std::int64_t e) {
  const std::int64_t nl = g.n * g.l();
  for (std::int64_t u = b; u < e; ++u) {
    const std::int64_t ci = u / g.n, ni = u % g.n;
    const T* plane = x + (ni * g.c + ci) * g.plane();
    for (std::int64_t i = 0; i < g.kh; ++i)
      for (std::int64_t j = 0; j < g.kw; ++j)
        unfold_run(plane, out + ((ci * g.kh + i) * g.kw + j) * nl + ni * g.l(), g, i, j, rows[i],
                   cols[j]);
  }
}

// col2im of output planes [b, e), unit u = (c, n), c-major like im2col, so a chunk streams through
// consecutive runs of the same kH*kW rows of cols. Each plane is summed in (kh, kw, oh, ow) order.
// With kScratch the caller's cols may be overwritten (the fused convolution's per-sample buffer):
// a "same" convolution's run (unfold_is_block) then has its out-of-image entries zeroed and is
// added as one block, each pixel still receiving its terms in the same order.
template <typename T, bool kScratch = false>
void col2im_planes(std::conditional_t<kScratch, T*, const T*> cols, T* out, Geometry g,
                   const Range* rows, const Range* colr, std::int64_t b, std::int64_t e) {
  const std::int64_t nl = g.n * g.l();
  for (std::int64_t u = b; u < e; ++u) {
    const std::int64_t ci = u / g.n, ni = u % g.n;
    T* plane = out + (ni * g.c + ci) * g.plane();
    std::fill(plane, plane + g.plane(), T(0));
    for (std::int64_t i = 0; i < g.kh; ++i) {
      const Range rr = rows[i];
      for (std::int64_t j = 0; j < g.kw; ++j) {
        const Range cr = colr[j];
        const auto src = cols + ((ci * g.kh + i) * g.kw + j) * nl + ni * g.l();
        if constexpr (kScratch) {
          if (unfold_is_block<T>(g, rr, cr)) {
            zero_row_ends(src, g, rr, cr);
            const std::int64_t first = rr.lo * g.ow + cr.lo, end = (rr.hi - 1) * g.ow + cr.hi;
            const std::int64_t off0 = (-g.ph + i * g.dh) * g.w - g.pw + j * g.dw;
            add_run(plane + off0 + first, src + first, end - first);
            continue;
          }
        }
        for (std::int64_t r = rr.lo; r < rr.hi; ++r) {
          const T* srow = src + r * g.ow;
          const std::int64_t off = (r * g.sh - g.ph + i * g.dh) * g.w - g.pw + j * g.dw;
          if (g.sw == 1) {
            add_run(plane + off + cr.lo, srow + cr.lo, cr.hi - cr.lo);
          } else {
            for (std::int64_t q = cr.lo; q < cr.hi; ++q) plane[off + q * g.sw] += srow[q];
          }
        }
      }
    }
  }
}

}  // namespace minidl::detail
