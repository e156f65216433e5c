// softmax and log_softmax along one axis.
// Shapes: x viewed as [outer, C, inner] around the axis; the output has x's shape.
//
//   m = max_c x_c                  (NaN propagates: a row with a NaN is all NaN)
//   softmax_c     = exp(x_c - m) * (1 / sum_k exp(x_k - m))   (one divide per row, like PyTorch)
//   log_softmax_c = (x_c - m) - log(sum_k exp(x_k - m))
// Subtracting m keeps every exponent <= 0, so nothing overflows; the sum is accumulated in double.
// An all -inf row gives NaN, like PyTorch. Rows ([N, C], axis -1) run kGrainRows per chunk; each
// row is computed by one task in a fixed order, so results do not depend on the thread count.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "tensor/dispatch.h"
#include "tensor/loops.h"
#include "tensor/ops.h"
#include "tensor/reduce_view.h"

namespace minidl {
namespace {

constexpr std::int64_t kInnerBlock = 1024;
constexpr int kLanes = 8;

template <typename T>
inline T nan_max(T acc, T v) {
  return (v > acc || v != v) ? v : acc;
}

template <typename T>
T row_max(const T* x, std::int64_t n) {
  T lane[kLanes];
  for (auto& l : lane) l = x[0];
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int k = 0; k < kLanes; ++k) lane[k] = nan_max(lane[k], x[i + k]);
  T m = lane[0];
  for (int k = 1; k < kLanes; ++k) m = nan_max(m, lane[k]);
  for (; i < n; ++i) m = nan_max(m, x[i]);
  return m;
}

template <bool kLog, typename T>
void softmax_row(const T* x, T* y, std::int64_t n) {
  const T m = row_max(x, n);
  double s = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const T e = std::exp(x[i] - m);
    if constexpr (!kLog) y[i] = e;
    s += e;
  }
  if constexpr (kLog) {
    const T ls = static_cast<T>(std::log(s));
    detail::map1(x, y, n, [m, ls](T v) { return (v - m) - ls; });
  } else {
    const double inv = 1.0 / s;
    detail::map1(y, y, n, [inv](T v) { return static_cast<T>(v * inv); });
  }
}

// Softmax down the columns of one [C, inner] slab, for inner entries [i0, i0 + len). Each pass
// walks whole rows of the block, so reads stream through memory instead of hopping a row stride
// per element.
template <bool kLog, typename T>
void softmax_cols(const T* x, T* y, std::int64_t c, std::int64_t inner, std::int64_t i0,
                  std::int64_t len) {
  T m[kInnerBlock];
  double s[kInnerBlock];
  for (std::int64_t i = 0; i < len; ++i) {
    m[i] = x[i0 + i];
    s[i] = 0;
  }
  for (std::int64_t k = 1; k < c; ++k) {
    const T* xk = x + k * inner + i0;
    for (std::int64_t i = 0; i < len; ++i) m[i] = nan_max(m[i], xk[i]);
  }
  for (std::int64_t k = 0; k < c; ++k) {
    const T* xk = x + k * inner + i0;
    T* yk = y + k * inner + i0;
    for (std::int64_t i = 0; i < len; ++i) {
      const T e = std::exp(xk[i] - m[i]);
      if constexpr (!kLog) yk[i] = e;
      s[i] += e;
    }
  }
  // One reciprocal (or log) per column, then a multiply (add) per element.
  for (std::int64_t i = 0; i < len; ++i) s[i] = kLog ? std::log(s[i]) : 1.0 / s[i];
  for (std::int64_t k = 0; k < c; ++k) {
    const T* xk = x + k * inner + i0;
    T* yk = y + k * inner + i0;
    for (std::int64_t i = 0; i < len; ++i) {
      if constexpr (kLog)
        yk[i] = (xk[i] - m[i]) - static_cast<T>(s[i]);
      else
        yk[i] = static_cast<T>(yk[i] * s[i]);
    }
  }
}

template <bool kLog>
Tensor softmax_impl(const Tensor& x, std::int64_t axis, const char* op) {
  const detail::AxisView v = detail::axis_view(x, axis, op);
  Tensor tmp;  // a reference below, not a handle copy (which would copy the shape)
  const Tensor& xf = x.dtype() == kInt64 ? (tmp = x.to(kFloat32)) : x;
  Tensor out(xf.shape(), xf.dtype());
  if (xf.numel() == 0) return out;
  const std::int64_t c = v.r, inner = v.inner;
  detail::dispatch_floating(xf.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* px = xf.data<T>();
    T* py = out.data<T>();
    if (inner == 1) {
      detail::run_chunks(v.outer, kGrainRows, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t o = b; o < e; ++o) softmax_row<kLog>(px + o * c, py + o * c, c);
      });
      return;
    }
    const std::int64_t nib = (inner + kInnerBlock - 1) / kInnerBlock;
    const std::int64_t ib_len = std::min(inner, kInnerBlock);
    detail::run_chunks(v.outer * nib, std::max<std::int64_t>(1, kGrainReduce / (c * ib_len)),
                       [&](std::int64_t b, std::int64_t e) {
                         for (std::int64_t u = b; u < e; ++u) {
                           const std::int64_t o = u / nib, i0 = (u % nib) * kInnerBlock;
                           softmax_cols<kLog>(px + o * c * inner, py + o * c * inner, c, inner, i0,
                                              std::min(kInnerBlock, inner - i0));
                         }
                       });
  });
  return out;
}

}  // namespace

Tensor softmax(const Tensor& x, std::int64_t axis) {
  return softmax_impl<false>(x, axis, "softmax");
}
Tensor log_softmax(const Tensor& x, std::int64_t axis) {
  return softmax_impl<true>(x, axis, "log_softmax");
}

}  // namespace minidl
