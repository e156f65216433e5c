// The direct convolution forward for a 3x3 kernel, stride 1, dilation 1, one group and few input
// channels (the Fashion CNN's first layer, 1 -> 32 on 28x28):
//   y[n, o, r, q] = b[o] + sum_{c, i, j} W[o, c, i, j] xp[n, c, r + i, q + j]
// with xp the zero-padded input. Each output row is built in vectors of kB columns, each the sum
// of 9 C products of a broadcast weight and a shifted run of a padded input row.
//
// Why not im2col + GEMM there: with C = 1 the GEMM's inner dimension is 9, so it runs far below
// BLAS's peak and the unfold (9 copies of the input) costs as much as the products; the direct
// loop reads each padded row from L1 9 times and writes y once. Samples are independent and each
// is computed in one fixed order: the same bits on any thread count and any chunking.
#include <algorithm>
#include <cstring>
#include <vector>

#include "tensor/conv_winograd.h"
#include "tensor/dispatch.h"
#include "tensor/loops.h"

namespace minidl::detail {
namespace {

constexpr std::int64_t kB = 8;
constexpr int kPass = 4;  // vectors of one row per pass (32 columns), one accumulator each
// Samples per task: ~kMinMacs multiply-adds (the Fashion CNN's conv1: 0.23 M per sample).
constexpr std::int64_t kMinMacs = std::int64_t{1} << 21;

template <typename T>
struct Vec {
  typedef T type __attribute__((vector_size(kB * sizeof(T))));
};
template <typename T>
using VecT = typename Vec<T>::type;

template <typename T>
void direct_samples(const T* x, const T* w, const T* bias, T* y, std::int64_t c, std::int64_t o,
                    std::int64_t h, std::int64_t wd, std::int64_t ph, std::int64_t pw,
                    std::int64_t oh, std::int64_t ow, std::int64_t n0, std::int64_t n1) {
  // Padded planes of one sample, each row wide enough for whole passes of kPass vectors.
  const std::int64_t pr = oh + 2, span = kPass * kB;
  const std::int64_t rl = (ow + span - 1) / span * span, pc = rl + 2;
  thread_local std::vector<T> buf;
  buf.assign(static_cast<std::size_t>(c * pr * pc + rl), T(0));
  T* pad = buf.data();
  T* row = pad + c * pr * pc;  // one output row of whole passes
  const std::int64_t rows = std::min(h, pr - ph), cols = std::min(wd, pc - pw);
  std::vector<T> wk(static_cast<std::size_t>(c * 9));
  for (std::int64_t n = n0; n < n1; ++n) {
    for (std::int64_t ci = 0; ci < c; ++ci)
      for (std::int64_t r = 0; r < rows; ++r)
        std::memcpy(pad + (ci * pr + r + ph) * pc + pw, x + ((n * c + ci) * h + r) * wd,
                    sizeof(T) * static_cast<std::size_t>(cols));
    for (std::int64_t oi = 0; oi < o; ++oi) {
      std::copy_n(w + oi * c * 9, c * 9, wk.data());
      const T b = bias != nullptr ? bias[oi] : T(0);
      T* yo = y + (n * o + oi) * oh * ow;
      for (std::int64_t r = 0; r < oh; ++r) {
        for (std::int64_t q0 = 0; q0 < ow; q0 += span) {
          // Four named accumulators: GCC keeps an array of vectors in memory.
          VecT<T> a0 = VecT<T>{} + b, a1 = a0, a2 = a0, a3 = a0;
          for (std::int64_t ci = 0; ci < c; ++ci)
            for (int i = 0; i < 3; ++i) {
              const T* src = pad + (ci * pr + r + i) * pc + q0;
              for (int j = 0; j < 3; ++j) {
                const T wv = wk[static_cast<std::size_t>(ci * 9 + i * 3 + j)];
                VecT<T> v0, v1, v2, v3;
                std::memcpy(&v0, src + j, sizeof v0);
                std::memcpy(&v1, src + j + kB, sizeof v1);
                std::memcpy(&v2, src + j + 2 * kB, sizeof v2);
                std::memcpy(&v3, src + j + 3 * kB, sizeof v3);
                a0 += wv * v0;
                a1 += wv * v1;
                a2 += wv * v2;
                a3 += wv * v3;
              }
            }
          std::memcpy(row + q0, &a0, sizeof a0);
          std::memcpy(row + q0 + kB, &a1, sizeof a1);
          std::memcpy(row + q0 + 2 * kB, &a2, sizeof a2);
          std::memcpy(row + q0 + 3 * kB, &a3, sizeof a3);
        }
        std::memcpy(yo + r * ow, row, sizeof(T) * static_cast<std::size_t>(ow));
      }
    }
  }
}

}  // namespace

bool use_direct(const Shape& x, const Shape& weight, const Window2d& w, std::int64_t groups) {
  const ConvPath path = conv_path();
  if (path == ConvPath::kGemm || path == ConvPath::kWinograd || path == ConvPath::kWinograd4 ||
      !winograd_fits(x, weight, w, groups))
    return false;
  return path == ConvPath::kDirect || x[1] < 8;
}

Tensor direct_conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Window2d& w) {
  const std::int64_t n = x.size(0), c = x.size(1), h = x.size(2), wd = x.size(3);
  const std::int64_t o = weight.size(0), ph = w.padding[0], pw = w.padding[1];
  const std::int64_t oh = h + 2 * ph - 2, ow = wd + 2 * pw - 2;
  Tensor y({n, o, oh, ow}, x.dtype());
  if (y.numel() == 0) return y;
  const std::int64_t macs = std::max<std::int64_t>(1, o * c * 9 * oh * ow);
  const std::int64_t grain = std::clamp<std::int64_t>(kMinMacs / macs, 1, n);
  dispatch_floating(x.dtype(), "conv2d", [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    const T* wp = weight.data<T>();
    const T* bp = bias.defined() ? bias.data<T>() : nullptr;
    T* yp = y.data<T>();
    run_chunks(n, grain, [&](std::int64_t b, std::int64_t e) {
      direct_samples(xp, wp, bp, yp, c, o, h, wd, ph, pw, oh, ow, b, e);
    });
  });
  return y;
}

}  // namespace minidl::detail
