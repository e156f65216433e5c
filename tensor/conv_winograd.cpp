// Winograd convolution F(2x2, 3x3) (Lavin & Gray 2016) for conv2d with a 3x3 kernel, stride 1,
// dilation 1, one group: the forward, the input gradient (the same kernel on a transformed
// weight) and the weight gradient (F(3x3, 2x2)), straight between NCHW tensors; the choice
// between it and F(4x4, 3x3) (tensor/conv_winograd4.cpp) for the forward and the input gradient.
//
// One 2x2 block of outputs from the 4x4 input tile d under it (rows 2ty - ph .. 2ty - ph + 3):
//   forward   Y = A^T [ (G g G^T) (.) (B^T d B) ] A           (.) elementwise over 4x4
//   input     dx = forward(dy, g'),  g'[c, o] = g[o, c] rotated 180 degrees, padding 2 - p
//   weight    dW[o, c] = G^T [ sum over tiles (A e A^T) (.) (B^T d B) ] G   (e: 2x2 block of dy)
// with
//   B^T = | 1  0 -1  0 |    G = | 1    0    0  |    A^T = | 1  1  1  0 |
//         | 0  1  1  0 |        | 1/2  1/2  1/2 |          | 0  1 -1 -1 |
//         | 0 -1  1  0 |        | 1/2 -1/2  1/2 |
//         | 0  1  0 -1 |        | 0    0    1  |
// The weight gradient is F(3, 2) per axis, the same trilinear form as F(2, 3) with the filter
// and the output swapped: sum_a u_a y_a = sum_xi (A u)_xi (G g)_xi (B^T d)_xi, so the data
// transform stays B^T, the 2x2 dy block is transformed by A and the 3x3 result comes out through
// G^T. Each of the 16 positions xi of the transformed tile is an independent product over channels:
//   forward   M[xi] [O, T] = U[xi] [O, C] V[xi] [C, T]      (T tiles of a batch of samples)
//   weight    M[xi] [O, C] = sum over batches E[xi] [O, T] V[xi]^T [T, C]
// which are GEMMs. 16 products of [O, C] x [C, T] are 16 O C T multiply-adds for 4 T outputs
// per plane, against 9 per output with im2col: 2.25x fewer, for transforms that are adds only.
//
// F(4x4, 3x3) (tensor/conv_winograd4.cpp: 6x6 tiles, 36 GEMMs, 2.25 multiply-adds per output
// and channel pair against F(2x2, 3x3)'s 4 and im2col's 9) runs the forward and the input
// gradient where it multiplies less than F(2x2, 3x3) (winograd_tile: 36 x 6x6-tile count <
// 16 x 4x4-tile count). On 14x14 maps its 4x4 output tiles cover 16x16, so it saves 1.36x of
// F(2x2, 3x3)'s GEMM work (36 x 16 against 16 x 49 products per plane); on 7x7 and 28x28 1.78x.
// Ties (6x6 and 5x5 outputs) stay F(2x2, 3x3), measured equal or 1.06x faster there. The weight
// gradient's F(3x3, 4x4) costs more in transforms (dy's blocks as well as x's tiles, 36 partial
// sums per chunk) and is taken only at <= 0.75x the multiplies (14x14: 0.73x, 0.94-0.97x the
// time with rows of four tiles paired, see tensor/conv_winograd4.cpp; 10x10: 0.81x, 1.11x). Float32
// error ~10x F(2x2, 3x3)'s (2.7e-6 against 2.8e-7 relative at the Fashion CNN's conv2; im2col +
// GEMM 7.9e-7): see tensor/conv_winograd4.cpp.
// One thread, CPU ms, batch 64, 32 -> 64 channels, F(4x4) / F(2x2) (bench_conv --only wino4 and
// a scratch loop per pass on a shared machine; docs/benchmarks.md "F(4x4, 3x3)"):
//   14x14  forward 2.8 / 3.4 (GEMM 5.8)  dx 2.9-3.1 / 3.3-3.4  dW 3.92-3.98 / 3.97-3.99
//   7x7    forward 0.99 / 1.69           dx 1.14 / 1.61        dW 1.47 / 1.75
//   10x10  dW 2.61 / 2.35 (0.81x the multiplies)
//   28x28  forward 8.9 / 13.2            dx 9.2 / 12.9         dW 11.1 / 15.1
//
// Same bits on any thread count: a batch of samples (the columns of one GEMM) has a size that
// depends on the shape alone (kTargetTiles, kTargetTiles4); the weight gradient sums per chunk of
// samples (at most kGradChunks, none smaller than a batch) and adds the chunk partials in chunk
// order, as tensor/conv_gemm.cpp does.
#include "tensor/conv_winograd.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "tensor/blas.h"
#include "tensor/conv_kernels.h"
#include "tensor/conv_winograd_impl.h"
#include "tensor/dispatch.h"
#include "tensor/loops.h"
#include "tensor/parallel.h"

namespace minidl::detail {
namespace {

// Tiles per batch: the GEMMs' long side, rounded up to whole samples. A batch's transformed input
// and products are 16 (C + O) T values (0.9 MB for the Fashion CNN's second conv in float32, 3
// samples of 49 tiles: about L2's size). Measured there: 49 to 128 tiles equally fast, 256 10%
// and 512 35% slower.
constexpr std::int64_t kTargetTiles = 128;
constexpr std::int64_t kGradChunks = 8;

thread_local ConvPath t_path = ConvPath::kAuto;

using wino::Grid;
using wino::kB;
using wino::load;
using wino::round_up;
using wino::store;
using wino::VecT;

// V[xi, c, col] = (B^T d B)[xi] for every tile of samples [0, ns) of x (C planes each), column
// s P + ty tw + tx. Each plane is first copied into a zero-bordered buffer with its even and odd
// columns apart, so no tile needs a bounds check and tile tx's columns 2tx .. 2tx + 3 are
// even[tx], odd[tx], even[tx + 1], odd[tx + 1]: contiguous in tx.
template <typename T>
void transform_input(const T* x, std::int64_t ns, std::int64_t c, const Grid& g, T* v,
                     std::int64_t ldv) {
  const std::int64_t pr = g.prow(), half = g.tw + 1, ps = round_up(2 * half) + kB;
  const std::int64_t p = g.tiles(), xs = c * ldv;
  T* pad = detail::conv_scratch<T>(4, (pr + 4) * ps);
  T* rows4 = pad + pr * ps;  // B^T's four row combinations of one row of tiles
  std::fill(pad, pad + pr * ps, T(0));
  const std::int64_t rows = std::min(g.h, pr - g.ph), e0 = g.pw & 1;  // first even column
  for (std::int64_t s = 0; s < ns; ++s)
    for (std::int64_t ci = 0; ci < c; ++ci) {
      const T* plane = x + (s * c + ci) * g.h * g.w;
      for (std::int64_t r = 0; r < rows; ++r) {
        T* dst = pad + (r + g.ph) * ps;
        const T* src = plane + r * g.w;
        for (std::int64_t q = e0; q < g.w; q += 2) dst[(q + g.pw) >> 1] = src[q];
        for (std::int64_t q = 1 - e0; q < g.w; q += 2) dst[half + ((q + g.pw) >> 1)] = src[q];
      }
      T* vc = v + ci * ldv + s * p;
      for (std::int64_t ty = 0; ty < g.th; ++ty) {
        const T* r0 = pad + 2 * ty * ps;
        for (std::int64_t m = 0; m < ps; m += kB) {  // B^T d
          VecT<T> a, b, cc, d;
          load(a, r0 + m);
          load(b, r0 + ps + m);
          load(cc, r0 + 2 * ps + m);
          load(d, r0 + 3 * ps + m);
          store(rows4 + m, a - cc);
          store(rows4 + ps + m, b + cc);
          store(rows4 + 2 * ps + m, cc - b);
          store(rows4 + 3 * ps + m, b - d);
        }
        T* out = vc + ty * g.tw;
        for (std::int64_t k0 = 0; k0 < g.tw; k0 += kB)
          for (int i = 0; i < 4; ++i) {  // (.) B
            const T* ev = rows4 + i * ps + k0;
            VecT<T> e0v, e1v, o0v, o1v;
            load(e0v, ev);
            load(e1v, ev + 1);
            load(o0v, ev + half);
            load(o1v, ev + half + 1);
            T* o = out + 4 * i * xs + k0;
            store(o, e0v - e1v);
            store(o + xs, o0v + e1v);
            store(o + 2 * xs, e1v - o0v);
            store(o + 3 * xs, o0v - o1v);
          }
      }
    }
}

// y[s, o] = (A^T M A) + bias[o] for every tile of samples [0, ns), from M[xi, o, col] (ldm
// columns, kB of slack past the last), clipped to the oh x ow plane.
template <typename T>
void transform_output(const T* m, std::int64_t ldm, std::int64_t o, std::int64_t ns, const Grid& g,
                      const T* bias, T* y) {
  const std::int64_t p = g.tiles(), xs = o * ldm, rl = 2 * round_up(g.tw);
  T* row = detail::conv_scratch<T>(4, 2 * rl);  // two output rows of whole tiles
  for (std::int64_t s = 0; s < ns; ++s)
    for (std::int64_t oi = 0; oi < o; ++oi) {
      const T b = bias != nullptr ? bias[oi] : T(0);
      T* yp = y + (s * o + oi) * g.oh * g.ow;
      const T* mo = m + oi * ldm + s * p;
      for (std::int64_t ty = 0; ty < g.th; ++ty) {
        for (std::int64_t k0 = 0; k0 < g.tw; k0 += kB) {
          const T* q = mo + ty * g.tw + k0;
          VecT<T> u[4], w[4];  // A^T M: two rows
          for (int k = 0; k < 4; ++k) {
            VecT<T> q0, q1, q2, q3;
            load(q0, q + k * xs);
            load(q1, q + (4 + k) * xs);
            load(q2, q + (8 + k) * xs);
            load(q3, q + (12 + k) * xs);
            u[k] = q0 + q1 + q2;
            w[k] = q1 - q2 - q3;
          }
          const auto y00 = u[0] + u[1] + u[2] + b, y01 = u[1] - u[2] - u[3] + b;
          const auto y10 = w[0] + w[1] + w[2] + b, y11 = w[1] - w[2] - w[3] + b;
          T* y0 = row + 2 * k0;
          T* y1 = y0 + rl;
          for (int j = 0; j < kB; ++j) {
            y0[2 * j] = y00[j];
            y0[2 * j + 1] = y01[j];
            y1[2 * j] = y10[j];
            y1[2 * j + 1] = y11[j];
          }
        }
        std::copy_n(row, g.ow, yp + 2 * ty * g.ow);
        if (2 * ty + 1 < g.oh) std::copy_n(row + rl, g.ow, yp + (2 * ty + 1) * g.ow);
      }
    }
}

// E[xi, o, col] = (A e A^T)[xi] for every 2x2 block e of dy (samples [0, ns), o planes of
// oh x ow; a block past the edge reads 0).
template <typename T>
void transform_grad(const T* dy, std::int64_t ns, std::int64_t o, const Grid& g, T* e,
                    std::int64_t lde) {
  const std::int64_t p = g.tiles(), xs = o * lde, rl = 2 * round_up(g.tw);
  T* rows = detail::conv_scratch<T>(4, 2 * rl);  // two rows of dy, zero past ow
  std::fill(rows, rows + 2 * rl, T(0));
  for (std::int64_t s = 0; s < ns; ++s)
    for (std::int64_t oi = 0; oi < o; ++oi) {
      const T* plane = dy + (s * o + oi) * g.oh * g.ow;
      T* eo = e + oi * lde + s * p;
      for (std::int64_t ty = 0; ty < g.th; ++ty) {
        std::copy_n(plane + 2 * ty * g.ow, g.ow, rows);
        if (2 * ty + 1 < g.oh)
          std::copy_n(plane + (2 * ty + 1) * g.ow, g.ow, rows + rl);
        else
          std::fill(rows + rl, rows + rl + g.ow, T(0));
        for (std::int64_t k0 = 0; k0 < g.tw; k0 += kB) {
          VecT<T> a0, a1, b0, b1;  // the block's four entries, kB blocks
          for (int j = 0; j < kB; ++j) {
            const T* a = rows + 2 * (k0 + j);
            a0[j] = a[0];
            a1[j] = a[1];
            b0[j] = a[rl];
            b1[j] = a[rl + 1];
          }
          // A e: rows (a, a + b, a - b, -b); then the same within each row.
          const VecT<T> t[4][2] = {{a0, a1}, {a0 + b0, a1 + b1}, {a0 - b0, a1 - b1}, {-b0, -b1}};
          T* q = eo + ty * g.tw + k0;
          for (int i = 0; i < 4; ++i) {
            store(q + 4 * i * xs, t[i][0]);
            store(q + (4 * i + 1) * xs, t[i][0] + t[i][1]);
            store(q + (4 * i + 2) * xs, t[i][0] - t[i][1]);
            store(q + (4 * i + 3) * xs, -t[i][1]);
          }
        }
      }
    }
}

// U[xi, r, c] = (G k G^T)[xi] with k = w[o, c] ([O, C, 3, 3]) at r = o; when flip, k = w[o, c]
// rotated 180 degrees at [c, o] (the input gradient's weight: [C, O]).
template <typename T>
void transform_weight(const T* w, std::int64_t o, std::int64_t c, bool flip, T* u) {
  const std::int64_t rows = flip ? c : o, cols = flip ? o : c, xs = rows * cols;
  for (std::int64_t oi = 0; oi < o; ++oi)
    for (std::int64_t ci = 0; ci < c; ++ci) {
      const T* g = w + (oi * c + ci) * 9;
      T k[9];
      for (int i = 0; i < 9; ++i) k[i] = flip ? g[8 - i] : g[i];
      T t[4][3];  // G k
      for (int j = 0; j < 3; ++j) {
        t[0][j] = k[j];
        t[1][j] = (k[j] + k[3 + j] + k[6 + j]) * T(0.5);
        t[2][j] = (k[j] - k[3 + j] + k[6 + j]) * T(0.5);
        t[3][j] = k[6 + j];
      }
      T* q = u + (flip ? ci * cols + oi : oi * cols + ci);
      for (int i = 0; i < 4; ++i) {  // (G k) G^T
        q[(4 * i) * xs] = t[i][0];
        q[(4 * i + 1) * xs] = (t[i][0] + t[i][1] + t[i][2]) * T(0.5);
        q[(4 * i + 2) * xs] = (t[i][0] - t[i][1] + t[i][2]) * T(0.5);
        q[(4 * i + 3) * xs] = t[i][2];
      }
    }
}

// out [N, co, oh, ow] = the convolution of in [N, ci, H, W] whose transformed weight is u
// [16, co, ci], plus bias; batches of g.batch(N) samples, each batch one task.
template <typename T>
void run_forward(const T* in, std::int64_t n, std::int64_t ci, std::int64_t co, const Grid& g,
                 const T* u, const T* bias, T* out) {
  const std::int64_t p = g.tiles();
  run_chunks(n, g.batch(n, kTargetTiles), [&](std::int64_t b, std::int64_t e) {
    const std::int64_t cols = (e - b) * p, ld = cols + kB;
    T* v = detail::conv_scratch<T>(2, 16 * ci * ld);
    T* m = detail::conv_scratch<T>(3, 16 * co * cols + kB);
    transform_input(in + b * ci * g.h * g.w, e - b, ci, g, v, ld);
    for (int xi = 0; xi < 16; ++xi)
      detail::conv_gemm(false, false, co, cols, ci, u + xi * co * ci, ci, v + xi * ci * ld, ld,
                        T(0), m + xi * co * cols, cols);
    transform_output(m, cols, co, e - b, g, bias, out + b * co * g.oh * g.ow);
  });
}

// The forward of either variant on weight (rotated when flip: the input gradient), g.m chosen by
// grid().
template <typename T>
void forward(const T* in, std::int64_t n, std::int64_t ci, std::int64_t co, const Grid& g,
             const T* weight, bool flip, const T* bias, T* out) {
  const std::int64_t o = flip ? ci : co, c = flip ? co : ci;  // weight is [o, c, 3, 3]
  std::vector<T> u(static_cast<std::size_t>((g.m == 4 ? 36 : 16) * o * c));
  if (g.m == 4) {
    wino::f4_transform_weight(weight, o, c, flip, u.data());
    wino::f4_forward(in, n, ci, co, g, u.data(), bias, out);
  } else {
    transform_weight(weight, o, c, flip, u.data());
    run_forward(in, n, ci, co, g, u.data(), bias, out);
  }
}

// The grid of a forward (or the input gradient's, or the weight gradient's) over h x w planes
// with padding (ph, pw).
Grid grid(std::int64_t h, std::int64_t w, std::int64_t ph, std::int64_t pw,
          bool weight_grad = false) {
  return wino::make_grid(winograd_tile({h + 2 * ph - 2, w + 2 * pw - 2}, weight_grad), h, w, ph,
                         pw);
}

}  // namespace

ConvPathScope::ConvPathScope(ConvPath path) : prev_(t_path) { t_path = path; }
ConvPathScope::~ConvPathScope() { t_path = prev_; }
ConvPath conv_path() { return t_path; }

bool winograd_fits(const Shape& x, const Shape& weight, const Window2d& w, std::int64_t groups) {
  return groups == 1 && x.size() == 4 && weight.size() == 4 && x[1] > 0 && weight[0] > 0 &&
         weight[2] == 3 && weight[3] == 3 && w.kernel == Pair{3, 3} && w.stride == Pair{1, 1} &&
         w.dilation == Pair{1, 1} && w.padding[0] >= 0 && w.padding[0] <= 2 && w.padding[1] >= 0 &&
         w.padding[1] <= 2 && x[2] + 2 * w.padding[0] >= 3 && x[3] + 2 * w.padding[1] >= 3;
}

bool use_winograd(const Shape& x, const Shape& weight, const Window2d& w, std::int64_t groups) {
  if (t_path == ConvPath::kGemm || t_path == ConvPath::kDirect ||
      !winograd_fits(x, weight, w, groups))
    return false;
  // With few channels the 16 GEMMs are too thin to pay for the transforms (conv1, C = 1).
  return t_path == ConvPath::kWinograd || t_path == ConvPath::kWinograd4 ||
         (x[1] >= 8 && weight[0] >= 8);
}

int winograd_tile(Pair out, bool weight_grad) {
  if (t_path == ConvPath::kWinograd) return 2;
  if (t_path == ConvPath::kWinograd4) return 4;
  // F(4x4, 3x3) where its 36 products per 6x6 tile are fewer than F(2x2, 3x3)'s 16 per 4x4 tile
  // (ties go to F(2x2, 3x3), whose transforms are cheaper); the weight gradient only where they
  // are at most 0.75x as many (its transforms cost more: at 0.81x, on 10x10, it took 1.11x
  // F(2x2)'s time; at 0.73x, on 14x14, 0.94-0.97x once its rows of four tiles were paired).
  auto tiles = [&](std::int64_t m) { return ((out[0] + m - 1) / m) * ((out[1] + m - 1) / m); };
  return (weight_grad ? 36 * 4 * tiles(4) <= 16 * 3 * tiles(2) : 36 * tiles(4) < 16 * tiles(2)) ? 4
                                                                                                : 2;
}

Tensor winograd_conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                       const Window2d& w) {
  const std::int64_t n = x.size(0), c = x.size(1), o = weight.size(0);
  const Grid g = grid(x.size(2), x.size(3), w.padding[0], w.padding[1]);
  Tensor y({n, o, g.oh, g.ow}, x.dtype());
  if (y.numel() == 0) return y;
  dispatch_floating(x.dtype(), "conv2d", [&](auto tag) {
    using T = decltype(tag);
    forward(x.data<T>(), n, c, o, g, weight.data<T>(), false,
            bias.defined() ? bias.data<T>() : nullptr, y.data<T>());
  });
  return y;
}

Tensor winograd_conv2d_input_grad(const Tensor& dy, const Tensor& weight, const Window2d& w,
                                  Pair image) {
  const std::int64_t n = dy.size(0), o = dy.size(1), c = weight.size(1);
  const Grid g = grid(dy.size(2), dy.size(3), 2 - w.padding[0], 2 - w.padding[1]);
  Tensor dx({n, c, image[0], image[1]}, dy.dtype());
  if (dx.numel() == 0) return dx;
  dispatch_floating(dy.dtype(), "conv2d_backward", [&](auto tag) {
    using T = decltype(tag);
    forward(dy.data<T>(), n, o, c, g, weight.data<T>(), true, static_cast<const T*>(nullptr),
            dx.data<T>());
  });
  return dx;
}

Tensor winograd_conv2d_weight_grad(const Tensor& dy, const Tensor& x, const Window2d& w) {
  const std::int64_t n = x.size(0), c = x.size(1), o = dy.size(1);
  const Grid g = grid(x.size(2), x.size(3), w.padding[0], w.padding[1], true);
  Tensor dw = zeros({o, c, 3, 3}, x.dtype());
  if (n == 0) return dw;
  const bool f4 = g.m == 4;
  const std::int64_t p = g.tiles(), batch = g.batch(n, f4 ? wino::kTargetTiles4 : kTargetTiles);
  const std::int64_t per_chunk = std::max((n + kGradChunks - 1) / kGradChunks, batch);
  const std::int64_t chunks = num_chunks(n, per_chunk), msize = (f4 ? 36 : 16) * o * c;
  dispatch_floating(x.dtype(), "conv2d_backward", [&](auto tag) {
    using T = decltype(tag);
    std::vector<T> m(static_cast<std::size_t>(chunks * msize));  // each chunk's sum over tiles
    const T* xp = x.data<T>();
    const T* dyp = dy.data<T>();
    run_chunks(chunks, 1, [&](std::int64_t k0, std::int64_t k1) {
      for (std::int64_t k = k0; k < k1; ++k) {
        T* mk = m.data() + k * msize;
        const std::int64_t end = std::min(n, (k + 1) * per_chunk);
        for (std::int64_t b = k * per_chunk; b < end; b += batch) {
          const std::int64_t ns = std::min(batch, end - b), cols = ns * p, ld = cols + kB;
          const T beta = b == k * per_chunk ? T(0) : T(1);
          if (f4) {
            wino::f4_grad_batch(xp + b * c * g.h * g.w, dyp + b * o * g.oh * g.ow, ns, c, o, g,
                                beta, mk);
            continue;
          }
          T* v = detail::conv_scratch<T>(2, 16 * c * ld);
          T* e = detail::conv_scratch<T>(3, 16 * o * ld);
          transform_input(xp + b * c * g.h * g.w, ns, c, g, v, ld);
          transform_grad(dyp + b * o * g.oh * g.ow, ns, o, g, e, ld);
          for (int xi = 0; xi < 16; ++xi)
            detail::conv_gemm(false, true, o, c, cols, e + xi * o * ld, ld, v + xi * c * ld, ld,
                              beta, mk + xi * o * c, c);
        }
      }
    });
    // Chunk k's partial into chunk 0's, in chunk order for every element (the same bits on any
    // thread count), across the cores in blocks of elements. A plain loop here stayed scalar and
    // serial: 8 x 73728 adds after the products at conv2.
    run_chunks(msize, 8192, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t k = 1; k < chunks; ++k)
        map_vv(m.data() + b, m.data() + k * msize + b, m.data() + b, e - b,
               [](T u, T v) { return u + v; });
    });
    if (f4) {
      wino::f4_grad_finish(m.data(), o, c, dw.data<T>());
      return;
    }
    // dW[o, c] = G^T M G: G^T = [1 1/2 1/2 0; 0 1/2 -1/2 0; 0 1/2 1/2 1].
    T* out = dw.data<T>();
    for (std::int64_t i = 0; i < o * c; ++i) {
      const T* q = m.data() + i;
      T t[3][4];
      for (int j = 0; j < 4; ++j) {
        const T q0 = q[j * o * c], q1 = q[(4 + j) * o * c], q2 = q[(8 + j) * o * c];
        const T q3 = q[(12 + j) * o * c];
        t[0][j] = q0 + (q1 + q2) * T(0.5);
        t[1][j] = (q1 - q2) * T(0.5);
        t[2][j] = (q1 + q2) * T(0.5) + q3;
      }
      for (int r = 0; r < 3; ++r) {
        out[i * 9 + r * 3] = t[r][0] + (t[r][1] + t[r][2]) * T(0.5);
        out[i * 9 + r * 3 + 1] = (t[r][1] - t[r][2]) * T(0.5);
        out[i * 9 + r * 3 + 2] = (t[r][1] + t[r][2]) * T(0.5) + t[r][3];
      }
    }
  });
  return dw;
}

}  // namespace minidl::detail
