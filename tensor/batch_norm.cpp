// Batch normalisation kernels: the per-channel statistics, the normalisation and the backward's
// sums, one task per block of channels (formulas in tensor/batch_norm.h).
//
// Two walks over x viewed as [N, C, L]:
// - runs (L > 1, e.g. [N, C, H, W]): channel by channel, each a run of L values per sample; the
//   sums go into 16 double lanes, totalled in lane order at the end. The channel's N L values
//   stay in cache across its two or three passes.
// - rows (L == 1, [N, C]): a channel is a column with stride C, so a task takes a block of
//   channels and walks down the rows, one double accumulator per channel.
// The sums are tensor/batch_norm_sums.h's (AVX2 registers where the build has AVX2); either way
// a channel's sums run in an order fixed by the shape, never by the thread count.
#include "tensor/batch_norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "tensor/batch_norm_sums.h"
#include "tensor/dispatch.h"
#include "tensor/loops.h"
#include "tensor/parallel.h"

namespace minidl {
namespace {

using detail::cols_grad;
using detail::cols_sqdev;
using detail::cols_sum;
using detail::kBlock;
using detail::lane_total;
using detail::lanes_grad;
using detail::lanes_sqdev;
using detail::lanes_sum;

// out[i] = f(i) for i < n, each block of 16 computed into a stack buffer before it is stored
// (f may read out[i]: an accumulation).
template <typename U, typename F>
inline void fill_blocked(U* out, std::int64_t n, F f) {
  std::int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    U tmp[kBlock];
    for (int j = 0; j < kBlock; ++j) tmp[j] = f(i + j);
    for (int j = 0; j < kBlock; ++j) out[i + j] = tmp[j];
  }
  for (; i < n; ++i) out[i] = f(i);
}

struct Dims {
  std::int64_t n, c, l;
  std::int64_t count() const { return n * l; }  // values per channel
};

Dims dims_of(const Tensor& x) {
  std::int64_t l = 1;
  for (std::int64_t a = 2; a < x.dim(); ++a) l *= x.size(a);
  return {x.size(0), x.size(1), l};
}

// Channels per task: about kGrainElementwise values, and at least a vector block of columns.
std::int64_t channel_grain(const Dims& d) {
  const std::int64_t per_channel = std::max<std::int64_t>(1, d.count());
  const std::int64_t g = std::max<std::int64_t>(1, kGrainElementwise / per_channel);
  return d.l == 1 ? std::max<std::int64_t>(kBlock, g) : g;
}

// Per-channel parameters of y = (x - mean) scale + shift, and the statistics' outputs.
template <typename T>
struct ForwardArgs {
  const T* x;
  T* y;
  const T* weight;  // null: 1
  const T* bias;    // null: 0
  T* mean;          // read when !batch_stats, else written
  T* var;           // written when batch_stats
  T* invstd;        // read when !batch_stats, else written
  bool batch_stats;
  double eps;
};

template <typename T>
void store_stats(const ForwardArgs<T>& a, std::int64_t c, double m, double v) {
  a.mean[c] = static_cast<T>(m);
  a.var[c] = static_cast<T>(v);
  a.invstd[c] = static_cast<T>(1.0 / std::sqrt(v + a.eps));
}

template <typename T>
void forward_runs(const ForwardArgs<T>& a, const Dims& d, std::int64_t cb, std::int64_t ce) {
  for (std::int64_t c = cb; c < ce; ++c) {
    if (a.batch_stats) {
      double lanes[kBlock] = {};
      for (std::int64_t s = 0; s < d.n; ++s) {
        lanes_sum(lanes, a.x + (s * d.c + c) * d.l, d.l);
      }
      const double m = lane_total(lanes) / static_cast<double>(d.count());
      std::fill(lanes, lanes + kBlock, 0.0);
      for (std::int64_t s = 0; s < d.n; ++s) lanes_sqdev(lanes, a.x + (s * d.c + c) * d.l, d.l, m);
      store_stats(a, c, m, lane_total(lanes) / static_cast<double>(d.count()));
    }
    const T m = a.mean[c];
    const T scale = a.invstd[c] * (a.weight ? a.weight[c] : T(1));
    const T shift = a.bias ? a.bias[c] : T(0);
    for (std::int64_t s = 0; s < d.n; ++s) {
      const T* p = a.x + (s * d.c + c) * d.l;
      fill_blocked(a.y + (s * d.c + c) * d.l, d.l,
                   [=](std::int64_t i) { return (p[i] - m) * scale + shift; });
    }
  }
}

template <typename T>
void forward_rows(const ForwardArgs<T>& a, const Dims& d, std::int64_t cb, std::int64_t ce) {
  const std::int64_t cn = ce - cb;
  std::vector<double> acc(static_cast<std::size_t>(cn), 0.0), mean_d(acc.size());
  std::vector<T> m(acc.size()), scale(acc.size()), shift(acc.size());
  double* ap = acc.data();
  const double* md = mean_d.data();
  if (a.batch_stats) {
    cols_sum(ap, a.x + cb, cn, d.n, d.c);
    for (std::int64_t i = 0; i < cn; ++i) mean_d[i] = acc[i] / static_cast<double>(d.n);
    cols_sqdev(ap, a.x + cb, cn, d.n, d.c, md);
    for (std::int64_t i = 0; i < cn; ++i)
      store_stats(a, cb + i, mean_d[i], acc[i] / static_cast<double>(d.n));
  }
  for (std::int64_t i = 0; i < cn; ++i) {
    const std::int64_t c = cb + i;
    m[i] = a.mean[c];
    scale[i] = a.invstd[c] * (a.weight ? a.weight[c] : T(1));
    shift[i] = a.bias ? a.bias[c] : T(0);
  }
  const T *mp = m.data(), *sp = scale.data(), *hp = shift.data();
  for (std::int64_t s = 0; s < d.n; ++s) {
    const T* row = a.x + s * d.c + cb;
    fill_blocked(a.y + s * d.c + cb, cn,
                 [=](std::int64_t i) { return (row[i] - mp[i]) * sp[i] + hp[i]; });
  }
}

template <typename T>
struct BackwardArgs {
  const T* dy;
  const T* x;
  const T* mean;
  const T* invstd;
  const T* weight;  // null: 1
  T* dx;            // null: not asked for
  T* dweight;       // null: not asked for
  T* dbias;         // null: not asked for
  bool batch_stats;
};

// dx = k (dy - a - (x - m) b): k = weight invstd; with batch statistics a = sum(dy) / n and
// b = invstd sum(dy xhat) / n, with given statistics a = b = 0.
template <typename T>
struct DxCoef {
  T m, k, a, b;
};

template <typename T>
DxCoef<T> dx_coef(const BackwardArgs<T>& a, std::int64_t c, double sum_dy, double sum_dy_xhat,
                  double count) {
  const double is = static_cast<double>(a.invstd[c]);
  const double w = a.weight ? static_cast<double>(a.weight[c]) : 1.0;
  if (!a.batch_stats) return {a.mean[c], static_cast<T>(w * is), T(0), T(0)};
  return {a.mean[c], static_cast<T>(w * is), static_cast<T>(sum_dy / count),
          static_cast<T>(is * sum_dy_xhat / count)};
}

template <typename T>
void backward_runs(const BackwardArgs<T>& a, const Dims& d, std::int64_t cb, std::int64_t ce) {
  const bool need_sums = a.batch_stats || a.dweight || a.dbias;
  for (std::int64_t c = cb; c < ce; ++c) {
    double sum_dy = 0, sum_dy_xhat = 0;
    if (need_sums) {
      const double m = static_cast<double>(a.mean[c]);
      double l1[kBlock] = {}, l2[kBlock] = {};
      for (std::int64_t s = 0; s < d.n; ++s) {
        const std::int64_t off = (s * d.c + c) * d.l;
        lanes_grad(l1, l2, a.dy + off, a.x + off, d.l, m);
      }
      sum_dy = lane_total(l1);
      sum_dy_xhat = lane_total(l2) * static_cast<double>(a.invstd[c]);
    }
    if (a.dbias) a.dbias[c] = static_cast<T>(sum_dy);
    if (a.dweight) a.dweight[c] = static_cast<T>(sum_dy_xhat);
    if (!a.dx) continue;
    const DxCoef<T> k = dx_coef(a, c, sum_dy, sum_dy_xhat, static_cast<double>(d.count()));
    for (std::int64_t s = 0; s < d.n; ++s) {
      const std::int64_t off = (s * d.c + c) * d.l;
      const T *g = a.dy + off, *p = a.x + off;
      fill_blocked(a.dx + off, d.l,
                   [=](std::int64_t i) { return k.k * (g[i] - k.a - (p[i] - k.m) * k.b); });
    }
  }
}

template <typename T>
void backward_rows(const BackwardArgs<T>& a, const Dims& d, std::int64_t cb, std::int64_t ce) {
  const std::int64_t cn = ce - cb;
  std::vector<double> s1(static_cast<std::size_t>(cn), 0.0), s2(s1.size()), md(s1.size());
  for (std::int64_t i = 0; i < cn; ++i) md[i] = static_cast<double>(a.mean[cb + i]);
  if (a.batch_stats || a.dweight || a.dbias)
    cols_grad(s1.data(), s2.data(), a.dy + cb, a.x + cb, cn, d.n, d.c, md.data());
  // dx's coefficients per channel, one array each (contiguous in c like the rows).
  std::vector<T> km(s1.size()), kk(s1.size()), ka(s1.size()), kb(s1.size());
  for (std::int64_t i = 0; i < cn; ++i) {
    const std::int64_t c = cb + i;
    const double sum_dy_xhat = s2[i] * static_cast<double>(a.invstd[c]);
    if (a.dbias) a.dbias[c] = static_cast<T>(s1[i]);
    if (a.dweight) a.dweight[c] = static_cast<T>(sum_dy_xhat);
    const DxCoef<T> k = dx_coef(a, c, s1[i], sum_dy_xhat, static_cast<double>(d.n));
    km[i] = k.m, kk[i] = k.k, ka[i] = k.a, kb[i] = k.b;
  }
  if (!a.dx) return;
  const T *mp = km.data(), *kp = kk.data(), *ap = ka.data(), *bp = kb.data();
  for (std::int64_t s = 0; s < d.n; ++s) {
    const T* g = a.dy + s * d.c + cb;
    const T* row = a.x + s * d.c + cb;
    fill_blocked(a.dx + s * d.c + cb, cn,
                 [=](std::int64_t i) { return kp[i] * (g[i] - ap[i] - (row[i] - mp[i]) * bp[i]); });
  }
}

template <typename T>
const T* data_or_null(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

}  // namespace

BatchNormForward batch_norm_forward(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                    double eps, const Tensor& mean, const Tensor& invstd) {
  MINIDL_CHECK(x.defined() && x.dim() >= 2, "batch_norm_forward: needs x of shape [N, C, *], got ",
               x.defined() ? shape_str(x.shape()) : std::string("undefined"));
  const Dims d = dims_of(x);
  const bool batch_stats = !mean.defined();
  BatchNormForward out;
  out.y = Tensor(x.shape(), x.dtype());
  out.mean = batch_stats ? Tensor({d.c}, x.dtype()) : mean;
  out.invstd = batch_stats ? Tensor({d.c}, x.dtype()) : invstd;
  if (batch_stats) out.var = Tensor({d.c}, x.dtype());
  if (x.numel() == 0) return out;
  detail::dispatch_floating(x.dtype(), "batch_norm", [&](auto tag) {
    using T = decltype(tag);
    const ForwardArgs<T> a{
        x.data<T>(),           out.y.data<T>(),    data_or_null<T>(weight),
        data_or_null<T>(bias), out.mean.data<T>(), batch_stats ? out.var.data<T>() : nullptr,
        out.invstd.data<T>(),  batch_stats,        eps};
    detail::run_chunks(d.c, channel_grain(d), [&](std::int64_t b, std::int64_t e) {
      if (d.l == 1) {
        forward_rows(a, d, b, e);
      } else {
        forward_runs(a, d, b, e);
      }
    });
  });
  return out;
}

BatchNormGrads batch_norm_backward(const Tensor& dy, const Tensor& x, const Tensor& mean,
                                   const Tensor& invstd, const Tensor& weight, bool batch_stats,
                                   bool need_input, bool need_weight, bool need_bias) {
  MINIDL_CHECK(dy.shape() == x.shape() && dy.dtype() == x.dtype(), "batch_norm_backward: dy ",
               shape_str(dy.shape()), " must match x ", shape_str(x.shape()));
  const Dims d = dims_of(x);
  BatchNormGrads out;
  if (need_input) out.input = Tensor(x.shape(), x.dtype());
  if (need_weight) out.weight = Tensor({d.c}, x.dtype());
  if (need_bias) out.bias = Tensor({d.c}, x.dtype());
  detail::dispatch_floating(x.dtype(), "batch_norm_backward", [&](auto tag) {
    using T = decltype(tag);
    const BackwardArgs<T> a{dy.data<T>(),
                            x.data<T>(),
                            mean.data<T>(),
                            invstd.data<T>(),
                            data_or_null<T>(weight),
                            need_input ? out.input.data<T>() : nullptr,
                            need_weight ? out.weight.data<T>() : nullptr,
                            need_bias ? out.bias.data<T>() : nullptr,
                            batch_stats};
    if (x.numel() == 0) {  // no values: zero sums
      if (a.dweight) std::fill(a.dweight, a.dweight + d.c, T(0));
      if (a.dbias) std::fill(a.dbias, a.dbias + d.c, T(0));
      return;
    }
    detail::run_chunks(d.c, channel_grain(d), [&](std::int64_t b, std::int64_t e) {
      if (d.l == 1) {
        backward_rows(a, d, b, e);
      } else {
        backward_runs(a, d, b, e);
      }
    });
  });
  return out;
}

}  // namespace minidl
