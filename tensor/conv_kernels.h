// Internal to tensor/ kernels (.cpp files only, like tensor/loops.h): the GEMM door, the
// thread-local scratch buffers and the window geometry shared by the convolution and pooling
// kernels (tensor/conv.cpp, conv_gemm.cpp, conv_winograd.cpp, conv_direct.cpp, max_pool.cpp). The
// plane loops of im2col and col2im over this geometry are in tensor/conv_runs.h.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "tensor/blas.h"
#include "tensor/conv.h"
#include "tensor/sgemm_avx512.h"

namespace minidl::detail {

// One GEMM through the BLAS door, overloaded on the element type so the kernels are templates.
// The weight gradients' float products A B^T (dy cols^T, Winograd's E V^T) with beta 0 or 1 go to
// minidl's own kernel where it applies (tensor/sgemm_avx512.h): at the Fashion CNN's Winograd dW
// shapes ([64, 98] x [32, 98]^T and k = 147) it took 0.6x OpenBLAS's time, alternating in one
// process on an Intel Xeon (model 207); the forward's and dx's A B products there ([64, 32] x
// [32, 64], [32, 64] x [64, 64]) were 1.13-1.14x, so those stay with OpenBLAS's small kernels.
inline void conv_gemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k,
                      const float* a, std::int64_t lda, const float* b, std::int64_t ldb,
                      float beta, float* c, std::int64_t ldc) {
  if (!ta && tb && (beta == 0.0f || beta == 1.0f) && own_sgemm_applies(ta, tb, m, n, k)) {
    own_sgemm(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, beta == 1.0f);
    return;
  }
  blas::sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
}
inline void conv_gemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k,
                      const double* a, std::int64_t lda, const double* b, std::int64_t ldb,
                      double beta, double* c, std::int64_t ldc) {
  blas::dgemm(ta, tb, m, n, k, 1.0, a, lda, b, ldb, beta, c, ldc);
}

// A thread-local buffer of at least n elements that grows and is kept, so steady-state training
// allocates none. Slots are independent; each kernel file owns its own (conv_gemm.cpp 0-1 and 5,
// conv_winograd.cpp 2-4, 6 the phase planes of im2col_planes / col2im_planes below), so a path
// that calls another never overwrites a buffer in use.
// The buffer starts on a 64-byte line: std::vector's (malloc's) 16-byte alignment split one in two
// of the Winograd transforms' 32-byte stores across two lines; aligned, the F(4x4, 3x3) input
// gradient at the Fashion CNN's conv2 took 0.87-0.89x the time, its weight gradient 0.90x and the
// forward 0.93x (one thread, alternating in one process; 7x7 to 10x10 maps within +-2%).
inline constexpr int kConvScratchSlots = 7;
template <typename T>
T* conv_scratch(int slot, std::int64_t n) {
  constexpr std::int64_t kLine = 64, kSlack = kLine / static_cast<std::int64_t>(sizeof(T));
  thread_local std::vector<T> bufs[kConvScratchSlots];
  auto& b = bufs[slot];
  if (static_cast<std::int64_t>(b.size()) < n + kSlack)
    b.resize(static_cast<std::size_t>(n + kSlack));
  const auto at = reinterpret_cast<std::uintptr_t>(b.data());
  return reinterpret_cast<T*>((at + kLine - 1) & ~static_cast<std::uintptr_t>(kLine - 1));
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

}  // namespace minidl::detail
