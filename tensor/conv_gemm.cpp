// The fused convolution kernels (see tensor/conv.h): conv2d's forward and its three gradients,
// one sample (or a block of samples on small maps) at a time, straight between NCHW tensors.
//
// Shape legend: N batch, C input channels, O output channels, G groups, Cg = C / G, Og = O / G,
// K = Cg * kH * kW (one group's unfolded rows), H x W image, L = H_out * W_out.
//
//   forward   y[n]  [O, L]      = b 1^T + W [O, C kH kW] cols[n] [C kH kW, L]   (per group)
//   input     dx[n]             = col2im(W^T dy[n])   ([C kH kW, O] x [O, L], then folded)
//   weight    dW    [O, K]      = sum_n dy[n] [O, L] cols[n]^T [L, K]
//   bias      db    [O]         = sum_n sum_l dy[n, o, l]
// with cols[n] = im2col of sample n alone ([C kH kW, L]).
//
// conv_transpose2d is conv2d's input gradient run forwards, so it reuses the dx path: its input
// plays dy, its weight [C_in, O/G, kH, kW] is conv2d's [O, C/G, kH, kW] with the roles swapped,
// and its output is the dx of a conv2d whose input has the transposed output's shape:
//   forward   y[n]  = col2im(W^T x[n]) + b    (conv2d's dx of dy = x)
//   input     dx    = conv2d_forward(dy, W)   (no bias)
//   weight    dW    = sum_n x[n] cols(dy[n])^T (conv2d's dW with dy = x, x = dy)
//
// Why per sample, where the composed conv2d (autograd/conv.cpp) unfolds the whole batch into one
// [C kH kW, N L] matrix for one GEMM: that matrix (14 MB for the Fashion CNN's second conv) and
// its gradient stream through memory twice, the GEMM's [O, N L] result needs a permute pass into
// NCHW, and col2im reads the gradient columns back from memory. One sample's columns (225 KB
// there) stay in L2 between the im2col that writes them and the GEMM that reads them, the GEMM
// writes its [O, L] block of NCHW directly, and the input gradient's columns are folded while
// still in cache. Columns are not kept from the forward: the weight gradient unfolds x again,
// which costs less than storing and reloading them.
//
// Small maps take a few samples per GEMM: at L = 49 (the DCGAN discriminator's 7x7 output, and
// the generator's 7x7 -> 14x14 transpose) one sample's product is [64 x 512] x [512 x 49], where
// OpenBLAS is far from its peak. Below L = kConvBlockCols / 2, blocks of s = ceil(kConvBlockCols /
// L) samples have their columns side by side ([C kH kW, s L], a few hundred KB), the forward's
// [O, s L] result is scattered into NCHW with the bias, and the backward gathers the block's dy
// to [O, s L] for one weight-gradient GEMM and one W^T dy GEMM whose columns are folded per
// sample. From L = 128 up a block is one sample: blocks of 2 at L = 196 (bench_conv convt2) were
// ~10% slower, and 1024 columns per block at L = 49 slower than 256 (the block leaves L2).
// Figures in docs/features.md's GAN part.
//
// Strided windows (the DCGAN's 4x4 stride 2 padding 1) unfold and fold through phase planes
// (tensor/conv_runs.h): each input plane is split once into its 4 even/odd phases, and every run
// becomes a stride-1 copy; at the DCGAN's even sizes the phases of a block's samples are stacked
// and each kernel offset is one copy for the whole block. The strided element loops they replaced
// were ~20% of the DCGAN step (docs/benchmarks.md, "DCGAN stride-2 convolutions").
//
// Which path when: conv2d_forward and conv2d_backward first ask detail::use_winograd
// (tensor/conv_winograd.h). A 3x3 kernel with stride 1, dilation 1, one group and padding <= 2,
// with at least 8 input and 8 output channels, goes to Winograd (dx and dW there; db below):
// F(4x4, 3x3) (tensor/conv_winograd4.cpp, 4x fewer multiplies than this file's path) for the
// forward and dx wherever it multiplies less than F(2x2, 3x3) (tensor/conv_winograd.cpp, 2.25x
// fewer), which takes the rest; dW F(3x3, 4x4) only at <= 0.75x F(3x3, 2x2)'s multiplies (14x14
// maps included, 10x10 not). At the Fashion CNN's second conv (32 -> 64 on 14x14) F(2x2, 3x3) is
// ~1.6x faster forward and backward than this file's path, which already ran its GEMMs near
// OpenBLAS's peak, and F(4x4, 3x3) a further ~1.2x on the forward and ~1.1x on dx; its transforms
// 16 lanes wide on AVX-512 a further ~1.2x (docs/benchmarks.md, "Winograd convolution (issue
// 16)", "F(4x4, 3x3)" and "F(4x4, 3x3) on AVX-512").
// The same 3x3 shapes with fewer than 8 input channels (the Fashion CNN's conv1, C = 1, where
// Winograd's 16 GEMMs would have an inner dimension of 1) take tensor/conv_direct.cpp's direct
// forward (~1.1x this file's, whose GEMM has an inner dimension of 9); their backward stays
// here. Everything else stays here: strided, dilated, grouped and non-3x3 kernels.
// conv_transpose2d never uses either (its kernels here are 4x4 with stride 2).
//
// Same bits on any thread count: each block's products are single-threaded BLAS calls whose
// shapes depend on the convolution alone (blocks start at multiples of s, chunks are whole
// blocks); the weight and bias gradients are summed per chunk of
// samples (a chunk's size comes from the shape through kConvGradChunks and kConvMinMacs, never
// from the thread
// count) and the chunk partials are added in chunk order. Scratch buffers are thread-local and
// grow to the largest sample seen (a few hundred KB for the CNNs here), so steady-state training
// allocates only the outputs.
#include <algorithm>
#include <vector>

#include "tensor/blas.h"
#include "tensor/conv.h"
#include "tensor/conv_runs.h"
#include "tensor/conv_winograd.h"
#include "tensor/dispatch.h"
#include "tensor/loops.h"
#include "tensor/parallel.h"

namespace minidl {
namespace {

using detail::Geometry;
using detail::Range;

// The forward cuts the batch into chunks of at least kConvMinMacs multiply-adds (~20-40 us of
// GEMM): one sample per task for the Fashion CNN's second conv (3.6 M per sample), 9 for its first
// (0.23 M), so both layers use every core. The backward's weight and bias gradients are summed
// per chunk, so it makes at most kConvGradChunks chunks (the partial sums cost (chunks - 1) O K
// adds), and no chunk under kConvMinMacs.
constexpr std::int64_t kConvMinMacs = std::int64_t{1} << 21;
constexpr std::int64_t kConvGradChunks = 8;
// Columns per GEMM on small maps (L < kConvBlockCols / 2): samples are taken in blocks of
// ceil(kConvBlockCols / L) laid side by side (N = s L >= kConvBlockCols). Blocks start at
// multiples of s from sample 0 and chunks are multiples of s, so a sample's GEMM is the same
// call on any thread count.
constexpr std::int64_t kConvBlockCols = 256;

// Everything the per-block loops need; g describes one sample (g.n == 1).
struct Plan {
  Geometry g;
  std::vector<Range> rows, cols;
  std::int64_t n, o, groups, og, k;  // k = Cg kH kW
  bool pointwise;                    // 1x1, stride 1, no padding: cols[n] is x[n] itself
  std::int64_t ckk() const { return g.c * g.kk(); }
  // Samples per GEMM block (1 for a pointwise conv, whose single sample needs no unfolding).
  std::int64_t block() const {
    if (pointwise) return 1;
    const std::int64_t l = std::max<std::int64_t>(1, g.l());
    if (2 * l >= kConvBlockCols) return 1;
    return std::clamp<std::int64_t>((kConvBlockCols + l - 1) / l, 1, std::max<std::int64_t>(1, n));
  }
  std::int64_t round_to_block(std::int64_t c) const {
    const std::int64_t s = block();
    return (c + s - 1) / s * s;
  }
  // Samples per forward chunk: enough for kConvMinMacs, whole blocks.
  std::int64_t forward_chunk() const {
    const std::int64_t macs = std::max<std::int64_t>(1, o * k * g.l());
    return round_to_block(
        std::clamp<std::int64_t>(kConvMinMacs / macs, 1, std::max<std::int64_t>(1, n)));
  }
  // Samples per backward chunk: at most kConvGradChunks chunks, none under kConvMinMacs.
  std::int64_t backward_chunk() const {
    return round_to_block(std::max((n + kConvGradChunks - 1) / kConvGradChunks, forward_chunk()));
  }
};

Plan make_plan(const Shape& x, const Shape& wshape, const Window2d& win, std::int64_t groups) {
  const Pair out = window_out_size(win, {x[2], x[3]}, "conv2d");
  Plan p{detail::geometry({1, x[1], x[2], x[3]}, win, out),
         {},
         {},
         x[0],
         wshape[0],
         groups,
         wshape[0] / groups,
         wshape[1] * wshape[2] * wshape[3],
         false};
  const Geometry& g = p.g;
  p.rows = detail::position_ranges(g.kh, g.sh, g.ph, g.dh, g.h, g.oh);
  p.cols = detail::position_ranges(g.kw, g.sw, g.pw, g.dw, g.w, g.ow);
  p.pointwise = g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0;
  return p;
}

// cols of samples [n0, n0 + s) side by side, [C kH kW, s L]: x[n0] itself for a pointwise conv
// (s = 1), else unfolded into scratch slot 0.
template <typename T>
const T* block_cols(const Plan& p, const T* x, std::int64_t n0, std::int64_t s) {
  const T* xn = x + n0 * p.g.c * p.g.plane();
  if (p.pointwise) return xn;
  T* buf = detail::conv_scratch<T>(0, p.ckk() * s * p.g.l());
  Geometry gb = p.g;
  gb.n = s;
  detail::im2col_planes(xn, buf, gb, p.rows.data(), p.cols.data(), 0, p.g.c * s);
  return buf;
}

// [O, s L] (sample j's columns at j L) <-> s NCHW samples [O, L] each.
template <typename T>
void gather_block(const T* src, T* dst, std::int64_t o, std::int64_t l, std::int64_t s) {
  for (std::int64_t j = 0; j < s; ++j)
    for (std::int64_t c = 0; c < o; ++c)
      std::copy(src + (j * o + c) * l, src + (j * o + c + 1) * l, dst + (c * s + j) * l);
}

template <typename T>
void forward_samples(const Plan& p, const T* x, const T* w, const T* b, T* y, std::int64_t n0,
                     std::int64_t n1) {
  const std::int64_t l = p.g.l(), bs = p.block();
  for (std::int64_t nb = n0; nb < n1; nb += bs) {
    const std::int64_t s = std::min(bs, n1 - nb), sl = s * l;
    const T* cols = block_cols(p, x, nb, s);
    if (s == 1) {
      T* yn = y + nb * p.o * l;
      // The bias goes in first and the GEMM adds to it (beta 1): no separate pass over y, and no
      // zeroing pass inside BLAS (beta 0 clears C before accumulating).
      if (b != nullptr)
        for (std::int64_t o = 0; o < p.o; ++o) std::fill(yn + o * l, yn + (o + 1) * l, b[o]);
      for (std::int64_t gi = 0; gi < p.groups; ++gi)
        detail::conv_gemm(false, false, p.og, l, p.k, w + gi * p.og * p.k, p.k, cols + gi * p.k * l,
                          l, b != nullptr ? T(1) : T(0), yn + gi * p.og * l, l);
      continue;
    }
    // The block's [O, s L] result, then scattered into NCHW with the bias added on the way.
    T* out = detail::conv_scratch<T>(1, p.o * sl);
    for (std::int64_t gi = 0; gi < p.groups; ++gi)
      detail::conv_gemm(false, false, p.og, sl, p.k, w + gi * p.og * p.k, p.k, cols + gi * p.k * sl,
                        sl, T(0), out + gi * p.og * sl, sl);
    for (std::int64_t j = 0; j < s; ++j)
      for (std::int64_t o = 0; o < p.o; ++o) {
        const T* src = out + o * sl + j * l;
        T* dst = y + ((nb + j) * p.o + o) * l;
        if (b == nullptr) {
          std::copy(src, src + l, dst);
        } else {
          const T bo = b[o];
          for (std::int64_t i = 0; i < l; ++i) dst[i] = src[i] + bo;
        }
      }
  }
}

// Sum of x[0, n) in 16 interleaved lanes, then the lanes in order: a plain running sum is one
// dependent add per element (GCC may not reorder float adds), which made the bias gradient 5% of
// the CNN step; the fixed-trip lane loop vectorises. The order depends on n alone.
template <typename T>
T row_sum(const T* x, std::int64_t n) {
  constexpr int kLanes = 16;
  T acc[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j) acc[j] += x[i + j];
  T s = 0;
  for (int j = 0; j < kLanes; ++j) s += acc[j];
  for (; i < n; ++i) s += x[i];
  return s;
}

// One chunk of samples [n0, n1), a block at a time: dx of each (if dx), and the chunk's partial
// dW and db (if given). The block's dy is gathered to [O, s L] for one weight-gradient GEMM and
// one W^T dy GEMM, whose columns are folded back per sample (dx_bias, conv_transpose2d's bias,
// added by the fold to each plane once summed).
template <typename T>
void backward_samples(const Plan& p, const T* dy, const T* x, const T* w, T* dx, T* dw, T* db,
                      std::int64_t n0, std::int64_t n1, const T* dx_bias = nullptr) {
  const std::int64_t l = p.g.l(), plane = p.g.c * p.g.plane(), bs = p.block();
  for (std::int64_t nb = n0; nb < n1; nb += bs) {
    const std::int64_t s = std::min(bs, n1 - nb), sl = s * l;
    const T* dyb = dy + nb * p.o * l;
    if (s > 1 && (dw != nullptr || dx != nullptr)) {
      T* buf = detail::conv_scratch<T>(5, p.o * sl);
      gather_block(dyb, buf, p.o, l, s);
      dyb = buf;
    }
    if (dw != nullptr) {
      const T beta = nb == n0 ? T(0) : T(1);
      const T* cols = block_cols(p, x, nb, s);
      for (std::int64_t gi = 0; gi < p.groups; ++gi)
        detail::conv_gemm(false, true, p.og, p.k, sl, dyb + gi * p.og * sl, sl,
                          cols + gi * p.k * sl, sl, beta, dw + gi * p.og * p.k, p.k);
    }
    if (db != nullptr)
      for (std::int64_t n = nb; n < nb + s; ++n)
        for (std::int64_t o = 0; o < p.o; ++o)
          db[o] = (n == n0 ? T(0) : db[o]) + row_sum(dy + (n * p.o + o) * l, l);
    if (dx != nullptr) {
      T* dxn = dx + nb * plane;
      T* dcols = p.pointwise ? dxn : detail::conv_scratch<T>(1, p.ckk() * sl);
      for (std::int64_t gi = 0; gi < p.groups; ++gi)
        detail::conv_gemm(true, false, p.k, sl, p.og, w + gi * p.og * p.k, p.k,
                          dyb + gi * p.og * sl, sl, T(0), dcols + gi * p.k * sl, sl);
      if (!p.pointwise) {
        Geometry gb = p.g;
        gb.n = s;
        detail::col2im_planes<T, true>(dcols, dxn, gb, p.rows.data(), p.cols.data(), 0, p.g.c * s,
                                       dx_bias);
      }
    }
  }
}

}  // namespace

Tensor conv2d_forward(const Tensor& x, const Tensor& weight, const Tensor& bias,
                      const Window2d& window, std::int64_t groups) {
  const Plan p = make_plan(x.shape(), weight.shape(), window, groups);
  if (detail::use_winograd(x.shape(), weight.shape(), window, groups))
    return detail::winograd_conv2d(x, weight, bias, window);
  if (detail::use_direct(x.shape(), weight.shape(), window, groups))
    return detail::direct_conv2d(x, weight, bias, window);
  Tensor y({p.n, p.o, p.g.oh, p.g.ow}, x.dtype());
  if (y.numel() == 0) return y;
  detail::dispatch_floating(x.dtype(), "conv2d", [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    const T* wp = weight.data<T>();
    const T* bp = bias.defined() ? bias.data<T>() : nullptr;
    T* yp = y.data<T>();
    detail::run_chunks(p.n, p.forward_chunk(), [&](std::int64_t b, std::int64_t e) {
      forward_samples(p, xp, wp, bp, yp, b, e);
    });
  });
  return y;
}

Tensor conv_transpose2d_forward(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                const Window2d& window, std::int64_t groups, Pair out) {
  // The conv2d whose input gradient this is: input [N, O, out], weight as given.
  const std::int64_t n = x.size(0), o = weight.size(1) * groups;
  const Plan p = make_plan({n, o, out[0], out[1]}, weight.shape(), window, groups);
  MINIDL_CHECK(p.g.oh == x.size(2) && p.g.ow == x.size(3), "conv_transpose2d: output ", out[0], "x",
               out[1], " takes ", p.g.oh, "x", p.g.ow, " windows, not the input's ", x.size(2), "x",
               x.size(3));
  Tensor y({n, o, out[0], out[1]}, x.dtype());
  if (y.numel() == 0) return y;
  const std::int64_t plane = p.g.plane();
  detail::dispatch_floating(x.dtype(), "conv_transpose2d", [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    const T* wp = weight.data<T>();
    const T* bp = bias.defined() ? bias.data<T>() : nullptr;
    T* yp = y.data<T>();
    // Samples are independent (no cross-sample sums): any chunking gives the same bits.
    detail::run_chunks(p.n, p.forward_chunk(), [&](std::int64_t b, std::int64_t e) {
      // The bias is added by the fold, plane by plane (a 1x1 convolution has no fold).
      backward_samples<T>(p, xp, nullptr, wp, yp, nullptr, nullptr, b, e, bp);
      if (bp != nullptr && p.pointwise)
        for (std::int64_t s = b; s < e; ++s)
          for (std::int64_t c = 0; c < o; ++c) {
            T* yc = yp + (s * o + c) * plane;
            for (std::int64_t i = 0; i < plane; ++i) yc[i] += bp[c];
          }
    });
  });
  return y;
}

Conv2dGrads conv2d_backward(const Tensor& dy, const Tensor& x, const Tensor& weight,
                            const Window2d& window, std::int64_t groups, bool need_input,
                            bool need_weight, bool need_bias) {
  const Plan p = make_plan(x.shape(), weight.shape(), window, groups);
  Conv2dGrads r;
  if (dy.numel() > 0 && detail::use_winograd(x.shape(), weight.shape(), window, groups)) {
    // Winograd for dx and dW; the bias gradient below (row sums of dy) is the same on both paths.
    if (need_input)
      r.input = detail::winograd_conv2d_input_grad(dy, weight, window, {x.size(2), x.size(3)});
    if (need_weight) r.weight = detail::winograd_conv2d_weight_grad(dy, x, window);
    need_input = need_weight = false;
    if (!need_bias) return r;
  }
  if (need_input) r.input = Tensor(x.shape(), x.dtype());
  if (need_weight) r.weight = zeros(weight.shape(), x.dtype());
  if (need_bias) r.bias = zeros({p.o}, x.dtype());
  if (dy.numel() == 0 || (!need_input && !need_weight && !need_bias)) {
    if (need_input) r.input.fill_(0.0);
    return r;
  }
  const std::int64_t spc = p.backward_chunk(), chunks = num_chunks(p.n, spc);
  const std::int64_t wsize = p.o * p.k;
  detail::dispatch_floating(x.dtype(), "conv2d_backward", [&](auto tag) {
    using T = decltype(tag);
    // Chunk c's partial dW and db; chunk 0 writes straight into the result.
    std::vector<T> partial(static_cast<std::size_t>(
        (chunks - 1) * ((need_weight ? wsize : 0) + (need_bias ? p.o : 0))));
    auto dw_of = [&](std::int64_t c) -> T* {
      if (!need_weight) return nullptr;
      return c == 0 ? r.weight.data<T>() : partial.data() + (c - 1) * wsize;
    };
    auto db_of = [&](std::int64_t c) -> T* {
      if (!need_bias) return nullptr;
      return c == 0 ? r.bias.data<T>()
                    : partial.data() + (chunks - 1) * (need_weight ? wsize : 0) + (c - 1) * p.o;
    };
    const T* dyp = dy.data<T>();
    const T* xp = x.data<T>();
    const T* wp = weight.data<T>();
    T* dxp = need_input ? r.input.data<T>() : nullptr;
    detail::run_chunks(chunks, 1, [&](std::int64_t c0, std::int64_t c1) {
      for (std::int64_t c = c0; c < c1; ++c)
        backward_samples(p, dyp, xp, wp, dxp, dw_of(c), db_of(c), c * spc,
                         std::min(p.n, (c + 1) * spc));
    });
    for (std::int64_t c = 1; c < chunks; ++c) {
      if (need_weight) {
        T* dw = r.weight.data<T>();
        const T* part = dw_of(c);
        for (std::int64_t i = 0; i < wsize; ++i) dw[i] += part[i];
      }
      if (need_bias) {
        T* db = r.bias.data<T>();
        const T* part = db_of(c);
        for (std::int64_t i = 0; i < p.o; ++i) db[i] += part[i];
      }
    }
  });
  return r;
}

}  // namespace minidl
