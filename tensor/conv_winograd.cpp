// Winograd convolution F(2x2, 3x3) (Lavin & Gray 2016) for conv2d with a 3x3 kernel, stride 1,
// dilation 1, one group: the forward, the input gradient (the same kernel on a transformed
// weight) and the weight gradient (F(3x3, 2x2)), straight between NCHW tensors.
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
// Why F(2x2, 3x3) and not F(4x4, 3x3) (6x6 tiles, 4x fewer): its transforms have entries up to 8
// and its float32 error grows ~10x (Lavin & Gray; Barabasz et al. 2020), and on 14x14 maps the
// 4x4 tiles waste (16 - 14) / 14 of each axis. Not measured here (see docs/benchmarks.md).
//
// Same bits on any thread count: a batch of samples (the columns of one GEMM) has a size that
// depends on the shape alone (kTargetTiles); the weight gradient sums per chunk of samples (at
// most kGradChunks, none smaller than a batch) and adds the chunk partials in chunk order, as
// tensor/conv_gemm.cpp does.
#include "tensor/conv_winograd.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "tensor/blas.h"
#include "tensor/dispatch.h"
#include "tensor/loops.h"
#include "tensor/parallel.h"

namespace minidl::detail {
namespace {

// Tiles per batch: the GEMMs' long side. 128 keeps a batch's transformed input and products
// (16 (C + O) T values, ~400 KB for the Fashion CNN's second conv in float32) in L2.
constexpr std::int64_t kTargetTiles = 128;
constexpr std::int64_t kGradChunks = 8;

thread_local ConvPath t_path = ConvPath::kAuto;

void gemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, const float* a,
          std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
          std::int64_t ldc) {
  blas::sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
}
void gemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, const double* a,
          std::int64_t lda, const double* b, std::int64_t ldb, double beta, double* c,
          std::int64_t ldc) {
  blas::dgemm(ta, tb, m, n, k, 1.0, a, lda, b, ldb, beta, c, ldc);
}

// A thread-local buffer of at least n elements; slots are independent.
template <typename T>
T* scratch(int slot, std::int64_t n) {
  thread_local std::vector<T> bufs[4];
  auto& b = bufs[slot];
  if (static_cast<std::int64_t>(b.size()) < n) b.resize(static_cast<std::size_t>(n));
  return b.data();
}

// The tile grid of one convolution: H x W planes with padding (ph, pw), oh x ow outputs in th x tw
// tiles of 2x2; the padded plane that the tiles read is (2 th + 2) x (2 tw + 2).
struct Grid {
  std::int64_t h, w, ph, pw, oh, ow, th, tw;
  std::int64_t tiles() const { return th * tw; }
  std::int64_t prow() const { return 2 * th + 2; }
  std::int64_t pcol() const { return 2 * tw + 2; }
  // Samples per GEMM batch: the shape alone decides.
  std::int64_t batch(std::int64_t n) const {
    return std::clamp<std::int64_t>((kTargetTiles + tiles() - 1) / tiles(), 1,
                                    std::max<std::int64_t>(1, n));
  }
};

Grid make_grid(std::int64_t h, std::int64_t w, std::int64_t ph, std::int64_t pw) {
  const std::int64_t oh = h + 2 * ph - 2, ow = w + 2 * pw - 2;
  return {h, w, ph, pw, oh, ow, (oh + 1) / 2, (ow + 1) / 2};
}

// V[xi, c, col] = (B^T d B)[xi] for every tile of samples [0, ns) of x (C planes each), column
// s P + ty tw + tx. Each plane is first copied into a zero-bordered buffer so no tile needs a
// bounds check.
template <typename T>
void transform_input(const T* x, std::int64_t ns, std::int64_t c, const Grid& g, T* v,
                     std::int64_t ldv) {
  const std::int64_t pr = g.prow(), pc = g.pcol(), p = g.tiles(), xi_stride = c * ldv;
  T* pad = scratch<T>(3, pr * pc);
  std::fill(pad, pad + pr * pc, T(0));
  const std::int64_t rows = std::min(g.h, pr - g.ph), cols = std::min(g.w, pc - g.pw);
  for (std::int64_t s = 0; s < ns; ++s)
    for (std::int64_t ci = 0; ci < c; ++ci) {
      const T* plane = x + (s * c + ci) * g.h * g.w;
      for (std::int64_t r = 0; r < rows; ++r)
        std::memcpy(pad + (r + g.ph) * pc + g.pw, plane + r * g.w,
                    sizeof(T) * static_cast<std::size_t>(cols));
      T* vc = v + ci * ldv + s * p;
      for (std::int64_t ty = 0; ty < g.th; ++ty) {
        const T* r0 = pad + 2 * ty * pc;
        const T *r1 = r0 + pc, *r2 = r1 + pc, *r3 = r2 + pc;
        T* out = vc + ty * g.tw;
        for (std::int64_t tx = 0; tx < g.tw; ++tx) {
          const std::int64_t j = 2 * tx;
          T t[4][4];  // B^T d: combinations of rows
          for (int k = 0; k < 4; ++k) {
            t[0][k] = r0[j + k] - r2[j + k];
            t[1][k] = r1[j + k] + r2[j + k];
            t[2][k] = r2[j + k] - r1[j + k];
            t[3][k] = r1[j + k] - r3[j + k];
          }
          for (int i = 0; i < 4; ++i) {  // (.) B: the same combinations within each row
            T* o = out + 4 * i * xi_stride + tx;
            o[0] = t[i][0] - t[i][2];
            o[xi_stride] = t[i][1] + t[i][2];
            o[2 * xi_stride] = t[i][2] - t[i][1];
            o[3 * xi_stride] = t[i][1] - t[i][3];
          }
        }
      }
    }
}

// y[s, o] = (A^T M A) + bias[o] for every tile of samples [0, ns), from M[xi, o, col] (ldm
// columns), clipped to the oh x ow plane.
template <typename T>
void transform_output(const T* m, std::int64_t ldm, std::int64_t o, std::int64_t ns, const Grid& g,
                      const T* bias, T* y) {
  const std::int64_t p = g.tiles(), xs = o * ldm;
  for (std::int64_t s = 0; s < ns; ++s)
    for (std::int64_t oi = 0; oi < o; ++oi) {
      const T b = bias != nullptr ? bias[oi] : T(0);
      T* yp = y + (s * o + oi) * g.oh * g.ow;
      const T* mo = m + oi * ldm + s * p;
      for (std::int64_t ty = 0; ty < g.th; ++ty)
        for (std::int64_t tx = 0; tx < g.tw; ++tx) {
          const T* q = mo + ty * g.tw + tx;
          T u[4], w[4];  // A^T M: two rows
          for (int k = 0; k < 4; ++k) {
            u[k] = q[k * xs] + q[(4 + k) * xs] + q[(8 + k) * xs];
            w[k] = q[(4 + k) * xs] - q[(8 + k) * xs] - q[(12 + k) * xs];
          }
          const std::int64_t r = 2 * ty, cc = 2 * tx;
          T* y0 = yp + r * g.ow + cc;
          y0[0] = u[0] + u[1] + u[2] + b;
          if (cc + 1 < g.ow) y0[1] = u[1] - u[2] - u[3] + b;
          if (r + 1 < g.oh) {
            T* y1 = y0 + g.ow;
            y1[0] = w[0] + w[1] + w[2] + b;
            if (cc + 1 < g.ow) y1[1] = w[1] - w[2] - w[3] + b;
          }
        }
    }
}

// E[xi, o, col] = (A e A^T)[xi] for every 2x2 block e of dy (samples [0, ns), o planes of
// oh x ow; a block past the edge reads 0).
template <typename T>
void transform_grad(const T* dy, std::int64_t ns, std::int64_t o, const Grid& g, T* e,
                    std::int64_t lde) {
  const std::int64_t p = g.tiles(), xs = o * lde;
  for (std::int64_t s = 0; s < ns; ++s)
    for (std::int64_t oi = 0; oi < o; ++oi) {
      const T* plane = dy + (s * o + oi) * g.oh * g.ow;
      T* eo = e + oi * lde + s * p;
      for (std::int64_t ty = 0; ty < g.th; ++ty)
        for (std::int64_t tx = 0; tx < g.tw; ++tx) {
          const std::int64_t r = 2 * ty, cc = 2 * tx;
          const bool right = cc + 1 < g.ow, down = r + 1 < g.oh;
          const T* p0 = plane + r * g.ow + cc;
          const T a0 = p0[0], a1 = right ? p0[1] : T(0);
          const T b0 = down ? p0[g.ow] : T(0), b1 = down && right ? p0[g.ow + 1] : T(0);
          // A e: rows (a, a + b, a - b, -b); then the same within each row.
          const T t[4][2] = {{a0, a1}, {a0 + b0, a1 + b1}, {a0 - b0, a1 - b1}, {-b0, -b1}};
          T* q = eo + ty * g.tw + tx;
          for (int i = 0; i < 4; ++i) {
            q[(4 * i) * xs] = t[i][0];
            q[(4 * i + 1) * xs] = t[i][0] + t[i][1];
            q[(4 * i + 2) * xs] = t[i][0] - t[i][1];
            q[(4 * i + 3) * xs] = -t[i][1];
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
  run_chunks(n, g.batch(n), [&](std::int64_t b, std::int64_t e) {
    const std::int64_t cols = (e - b) * p;
    T* v = scratch<T>(0, 16 * ci * cols);
    T* m = scratch<T>(1, 16 * co * cols);
    transform_input(in + b * ci * g.h * g.w, e - b, ci, g, v, cols);
    for (int xi = 0; xi < 16; ++xi)
      gemm(false, false, co, cols, ci, u + xi * co * ci, ci, v + xi * ci * cols, cols, T(0),
           m + xi * co * cols, cols);
    transform_output(m, cols, co, e - b, g, bias, out + b * co * g.oh * g.ow);
  });
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
  if (t_path == ConvPath::kGemm || !winograd_fits(x, weight, w, groups)) return false;
  // With few channels the 16 GEMMs are too thin to pay for the transforms (conv1, C = 1).
  return t_path == ConvPath::kWinograd || (x[1] >= 8 && weight[0] >= 8);
}

Tensor winograd_conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                       const Window2d& w) {
  const std::int64_t n = x.size(0), c = x.size(1), o = weight.size(0);
  const Grid g = make_grid(x.size(2), x.size(3), w.padding[0], w.padding[1]);
  Tensor y({n, o, g.oh, g.ow}, x.dtype());
  if (y.numel() == 0) return y;
  dispatch_floating(x.dtype(), "conv2d", [&](auto tag) {
    using T = decltype(tag);
    std::vector<T> u(static_cast<std::size_t>(16 * o * c));
    transform_weight(weight.data<T>(), o, c, false, u.data());
    run_forward(x.data<T>(), n, c, o, g, u.data(), bias.defined() ? bias.data<T>() : nullptr,
                y.data<T>());
  });
  return y;
}

Tensor winograd_conv2d_input_grad(const Tensor& dy, const Tensor& weight, const Window2d& w,
                                  Pair image) {
  const std::int64_t n = dy.size(0), o = dy.size(1), c = weight.size(1);
  const Grid g = make_grid(dy.size(2), dy.size(3), 2 - w.padding[0], 2 - w.padding[1]);
  Tensor dx({n, c, image[0], image[1]}, dy.dtype());
  if (dx.numel() == 0) return dx;
  dispatch_floating(dy.dtype(), "conv2d_backward", [&](auto tag) {
    using T = decltype(tag);
    std::vector<T> u(static_cast<std::size_t>(16 * o * c));
    transform_weight(weight.data<T>(), o, c, true, u.data());
    run_forward(dy.data<T>(), n, o, c, g, u.data(), static_cast<const T*>(nullptr), dx.data<T>());
  });
  return dx;
}

Tensor winograd_conv2d_weight_grad(const Tensor& dy, const Tensor& x, const Window2d& w) {
  const std::int64_t n = x.size(0), c = x.size(1), o = dy.size(1);
  const Grid g = make_grid(x.size(2), x.size(3), w.padding[0], w.padding[1]);
  Tensor dw = zeros({o, c, 3, 3}, x.dtype());
  if (n == 0) return dw;
  const std::int64_t p = g.tiles(), batch = g.batch(n);
  const std::int64_t per_chunk = std::max((n + kGradChunks - 1) / kGradChunks, batch);
  const std::int64_t chunks = num_chunks(n, per_chunk), msize = 16 * o * c;
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
          const std::int64_t ns = std::min(batch, end - b), cols = ns * p;
          T* v = scratch<T>(0, 16 * c * cols);
          T* e = scratch<T>(1, 16 * o * cols);
          transform_input(xp + b * c * g.h * g.w, ns, c, g, v, cols);
          transform_grad(dyp + b * o * g.oh * g.ow, ns, o, g, e, cols);
          const T beta = b == k * per_chunk ? T(0) : T(1);
          for (int xi = 0; xi < 16; ++xi)
            gemm(false, true, o, c, cols, e + xi * o * cols, cols, v + xi * c * cols, cols, beta,
                 mk + xi * o * c, c);
        }
      }
    });
    for (std::int64_t k = 1; k < chunks; ++k)
      for (std::int64_t i = 0; i < msize; ++i) m[i] += m[k * msize + i];
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
