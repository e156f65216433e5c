// Reductions over an axis set: sum, mean, var, std, amax, amin, norm, logsumexp, and sum_to.
// Shapes: the input is viewed as [outer, r, inner] (tensor/reduce_view.h); the output has
// outer * inner elements, indexed j = o * inner + i.
//
// Determinism: the reduced extent r is cut into chunks of kGrainReduce elements (inner == 1) or
// max(1, kGrainReduce / block) rows (inner > 1); each chunk's partial is computed by one task and
// partials are merged in chunk order. Chunks depend on the shape and the named grains only, so
// results are bitwise identical on any thread count. Inside a chunk a contiguous row is summed in
// 8 interleaved lanes (lane k takes elements k, k+8, ...), merged pairwise: a fixed order the
// compiler can vectorise, and a little more accurate than one running sum.
//
// Accumulators: float32 and float64 sum in double, int64 in int64 (wrapping modulo 2^64 like
// PyTorch: no overflow check, the sum of [2^63-1, 1] is -2^63); amax / amin keep the input type
// and propagate NaN (like PyTorch).
//   mean = sum / r               (r = 0 gives NaN, like PyTorch)
//   var  = sum((x - mean)^2) / max(0, r - correction), two passes for stability
//   logsumexp = m + log(sum(exp(x - m))), m = max (replaced by 0 when infinite, so an all -inf row
//               gives -inf and a +inf gives +inf instead of NaN)
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "tensor/dispatch.h"
#include "tensor/loops.h"
#include "tensor/ops.h"
#include "tensor/reduce_view.h"

namespace minidl {
namespace {

using detail::ReduceView;

// Inner-axis block of the column kernel: its accumulators live on the stack.
constexpr std::int64_t kInnerBlock = 2048;
constexpr int kLanes = 8;

template <typename T>
using SumAcc = std::conditional_t<std::is_integral_v<T>, std::int64_t, double>;

template <typename T>
T nan_max(T acc, T v) {
  return (v > acc || v != v) ? v : acc;
}
template <typename T>
T nan_min(T acc, T v) {
  return (v < acc || v != v) ? v : acc;
}

// For each output j: fin(j, merge-fold of step(acc, x, j) over its r inputs, starting at init).
template <typename T, typename Acc, typename Step, typename Merge, typename Fin>
void reduce_kernel(const T* x, std::int64_t outer, std::int64_t r, std::int64_t inner, Acc init,
                   Step step, Merge merge, Fin fin) {
  const std::int64_t m = outer * inner;
  if (m == 0) return;
  if (inner == 1) {
    auto row = [&](const T* p, std::int64_t n, std::int64_t j) {
      Acc lane[kLanes];
      for (auto& l : lane) l = init;
      std::int64_t i = 0;
      for (; i + kLanes <= n; i += kLanes)
        for (int k = 0; k < kLanes; ++k) lane[k] = step(lane[k], p[i + k], j);
      Acc s = merge(merge(merge(lane[0], lane[1]), merge(lane[2], lane[3])),
                    merge(merge(lane[4], lane[5]), merge(lane[6], lane[7])));
      for (; i < n; ++i) s = step(s, p[i], j);
      return s;
    };
    const std::int64_t rc = kGrainReduce;
    const std::int64_t nrc = r <= rc ? 1 : (r + rc - 1) / rc;
    if (nrc == 1) {
      detail::run_chunks(outer,
                         std::max<std::int64_t>(1, kGrainReduce / std::max<std::int64_t>(r, 1)),
                         [&](std::int64_t b, std::int64_t e) {
                           for (std::int64_t o = b; o < e; ++o) fin(o, row(x + o * r, r, o));
                         });
      return;
    }
    std::vector<Acc> part(static_cast<std::size_t>(outer * nrc));
    detail::run_chunks(outer * nrc, 1, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t u = b; u < e; ++u) {
        const std::int64_t o = u / nrc, beg = (u % nrc) * rc;
        part[static_cast<std::size_t>(u)] = row(x + o * r + beg, std::min(rc, r - beg), o);
      }
    });
    for (std::int64_t o = 0; o < outer; ++o) {
      Acc s = part[static_cast<std::size_t>(o * nrc)];
      for (std::int64_t c = 1; c < nrc; ++c)
        s = merge(s, part[static_cast<std::size_t>(o * nrc + c)]);
      fin(o, s);
    }
    return;
  }

  // Column kernel: a unit is (outer o, inner block ib, row chunk c) and accumulates a block of up
  // to kInnerBlock outputs over its rows, vectorised along the contiguous inner axis.
  const std::int64_t ib_len = std::min(inner, kInnerBlock);
  const std::int64_t nib = (inner + kInnerBlock - 1) / kInnerBlock;
  const std::int64_t rc = std::max<std::int64_t>(1, kGrainReduce / ib_len);
  const std::int64_t nrc = r <= rc ? 1 : (r + rc - 1) / rc;
  std::vector<Acc> part(nrc > 1 ? static_cast<std::size_t>(nrc * m) : 0);
  auto unit = [&](std::int64_t u) {
    const std::int64_t c = u % nrc, t = u / nrc, ib = t % nib, o = t / nib;
    const std::int64_t i0 = ib * kInnerBlock, len = std::min(kInnerBlock, inner - i0);
    const std::int64_t j0 = o * inner + i0;
    const std::int64_t r0 = c * rc, r1 = std::min(r, r0 + rc);
    Acc acc[kInnerBlock];
    for (std::int64_t i = 0; i < len; ++i) acc[i] = init;
    for (std::int64_t rr = r0; rr < r1; ++rr) {
      const T* p = x + (o * r + rr) * inner + i0;
      std::int64_t i = 0;
      for (; i + detail::kBlock <= len; i += detail::kBlock)
        for (int k = 0; k < detail::kBlock; ++k)
          acc[i + k] = step(acc[i + k], p[i + k], j0 + i + k);
      for (; i < len; ++i) acc[i] = step(acc[i], p[i], j0 + i);
    }
    if (nrc == 1) {
      for (std::int64_t i = 0; i < len; ++i) fin(j0 + i, acc[i]);
    } else {
      std::copy(acc, acc + len, part.begin() + c * m + j0);
    }
  };
  const std::int64_t units = outer * nib * nrc;
  const std::int64_t grain =
      nrc > 1 ? 1 : std::max<std::int64_t>(1, kGrainReduce / std::max<std::int64_t>(1, r * ib_len));
  detail::run_chunks(units, grain, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t u = b; u < e; ++u) unit(u);
  });
  if (nrc == 1) return;
  detail::run_chunks(m, kGrainElementwise, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t j = b; j < e; ++j) {
      Acc s = part[static_cast<std::size_t>(j)];
      for (std::int64_t c = 1; c < nrc; ++c)
        s = merge(s, part[static_cast<std::size_t>(c * m + j)]);
      fin(j, s);
    }
  });
}

// a + b; for int64 modulo 2^64 in uint64 (signed overflow is undefined in C++), so an int64 sum
// wraps like PyTorch's instead of being undefined behaviour.
template <typename Acc>
Acc plus(Acc a, Acc b) {
  if constexpr (std::is_integral_v<Acc>)
    return static_cast<Acc>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
  else
    return a + b;
}

// sum-like reduction of the view: out[j] = fin(j, sum_r map(x, j)), Acc = SumAcc<T>.
template <typename T, typename Map, typename Fin>
void sum_reduce(const ReduceView& v, Map map, Fin fin) {
  using Acc = SumAcc<T>;
  reduce_kernel<T, Acc>(
      static_cast<const T*>(v.data), v.outer, v.r, v.inner, Acc(0),
      [map](Acc a, T x, std::int64_t j) { return plus(a, map(x, j)); },
      [](Acc a, Acc b) { return plus(a, b); }, fin);
}

template <typename T, bool kMax, typename Fin>
void extreme_reduce(const ReduceView& v, T init, Fin fin) {
  reduce_kernel<T, T>(
      static_cast<const T*>(v.data), v.outer, v.r, v.inner, init,
      [](T a, T x, std::int64_t) { return kMax ? nan_max(a, x) : nan_min(a, x); },
      [](T a, T b) { return kMax ? nan_max(a, b) : nan_min(a, b); }, fin);
}

// x, or (stored in tmp) x converted to float32 when it is int64.
const Tensor& floating_input(const Tensor& x, Tensor& tmp) {
  return x.dtype() == kInt64 ? (tmp = x.to(kFloat32)) : x;
}

// Output dtype of mean / var: floating inputs keep theirs, int64 gives float32.
DType mean_dtype(DType dt) { return dt == kInt64 ? kFloat32 : dt; }

Tensor amax_amin(const Tensor& x, const Axes& axes, bool keepdim, bool is_max) {
  const char* op = is_max ? "amax" : "amin";
  ReduceView v = detail::reduce_view(x, axes, keepdim, op);
  MINIDL_CHECK(v.r > 0, op, ": reduction over an empty axis (shape ", shape_str(x.shape()),
               ", axes ", shape_str(axes), ")");
  Tensor out(std::move(v.out_shape), x.dtype());
  detail::dispatch(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    T* po = out.data<T>();
    auto fin = [po](std::int64_t j, T a) { po[j] = a; };
    // Identities: -inf / +inf for floats (not +-max, or a row of infinities would lose), the
    // extreme values for int64.
    using L = std::numeric_limits<T>;
    if (is_max)
      extreme_reduce<T, true>(v, L::has_infinity ? -L::infinity() : L::lowest(), fin);
    else
      extreme_reduce<T, false>(v, L::has_infinity ? L::infinity() : L::max(), fin);
  });
  return out;
}

}  // namespace

Tensor sum(const Tensor& x, const Axes& axes, bool keepdim) {
  ReduceView v = detail::reduce_view(x, axes, keepdim, "sum");
  Tensor out(std::move(v.out_shape), x.dtype());
  detail::dispatch(x.dtype(), "sum", [&](auto tag) {
    using T = decltype(tag);
    using Acc = SumAcc<T>;
    T* po = out.data<T>();
    sum_reduce<T>(
        v, [](T a, std::int64_t) { return Acc(a); },
        [po](std::int64_t j, Acc a) { po[j] = static_cast<T>(a); });
  });
  return out;
}

Tensor mean(const Tensor& x, const Axes& axes, bool keepdim) {
  ReduceView v = detail::reduce_view(x, axes, keepdim, "mean");
  Tensor out(std::move(v.out_shape), mean_dtype(x.dtype()));
  const auto r = static_cast<double>(v.r);
  detail::dispatch(x.dtype(), "mean", [&](auto tag) {
    using T = decltype(tag);
    using Acc = SumAcc<T>;
    detail::dispatch_floating(out.dtype(), "mean", [&](auto otag) {
      using O = decltype(otag);
      O* po = out.data<O>();
      sum_reduce<T>(
          v, [](T a, std::int64_t) { return Acc(a); },
          [po, r](std::int64_t j, Acc a) { po[j] = static_cast<O>(static_cast<double>(a) / r); });
    });
  });
  return out;
}

Tensor var(const Tensor& x, const Axes& axes, std::int64_t correction, bool keepdim) {
  Tensor tmp;
  const Tensor& xf = x.defined() && x.dtype() == kInt64 ? (tmp = x.to(kFloat64)) : x;
  ReduceView v = detail::reduce_view(xf, axes, keepdim, "var");
  Tensor out(std::move(v.out_shape), mean_dtype(x.dtype()));
  std::vector<double> mu(static_cast<std::size_t>(v.out_numel()));
  const auto r = static_cast<double>(v.r);
  const auto denom = static_cast<double>(std::max<std::int64_t>(0, v.r - correction));
  detail::dispatch_floating(xf.dtype(), "var", [&](auto tag) {
    using T = decltype(tag);
    sum_reduce<T>(
        v, [](T a, std::int64_t) { return double(a); },
        [&mu, r](std::int64_t j, double a) { mu[static_cast<std::size_t>(j)] = a / r; });
    const double* pm = mu.data();
    detail::dispatch_floating(out.dtype(), "var", [&](auto otag) {
      using O = decltype(otag);
      O* po = out.data<O>();
      sum_reduce<T>(
          v,
          [pm](T a, std::int64_t j) {
            const double d = double(a) - pm[j];
            return d * d;
          },
          [po, denom](std::int64_t j, double a) { po[j] = static_cast<O>(a / denom); });
    });
  });
  return out;
}

Tensor std(const Tensor& x, const Axes& axes, std::int64_t correction, bool keepdim) {
  Tensor v = var(x, axes, correction, keepdim);
  detail::dispatch_floating(v.dtype(), "std", [&](auto tag) {
    using T = decltype(tag);
    T* p = v.data<T>();
    for (std::int64_t i = 0; i < v.numel(); ++i) p[i] = std::sqrt(p[i]);
  });
  return v;
}

Tensor amax(const Tensor& x, const Axes& axes, bool keepdim) {
  return amax_amin(x, axes, keepdim, true);
}
Tensor amin(const Tensor& x, const Axes& axes, bool keepdim) {
  return amax_amin(x, axes, keepdim, false);
}

Tensor logsumexp(const Tensor& x, const Axes& axes, bool keepdim) {
  MINIDL_CHECK(x.defined(), "logsumexp: undefined tensor");
  Tensor tmp;
  const Tensor& xf = floating_input(x, tmp);
  ReduceView v = detail::reduce_view(xf, axes, keepdim, "logsumexp");
  Tensor out(std::move(v.out_shape), xf.dtype());
  detail::dispatch_floating(xf.dtype(), "logsumexp", [&](auto tag) {
    using T = decltype(tag);
    std::vector<T> shift(static_cast<std::size_t>(v.out_numel()));
    T* ps = shift.data();
    extreme_reduce<T, true>(v, -std::numeric_limits<T>::infinity(),
                            [ps](std::int64_t j, T m) { ps[j] = std::isinf(m) ? T(0) : m; });
    T* po = out.data<T>();
    sum_reduce<T>(
        v, [ps](T a, std::int64_t j) { return double(std::exp(a - ps[j])); },
        [po, ps](std::int64_t j, double s) { po[j] = static_cast<T>(ps[j] + std::log(s)); });
  });
  return out;
}

// ||x||_1 = sum |x|, ||x||_2 = sqrt(sum x^2) (accumulated in double, no rescaling), ||x||_inf = max
// |x|.
Tensor norm(const Tensor& x, double p, const Axes& axes, bool keepdim) {
  const bool inf = std::isinf(p) && p > 0;
  MINIDL_CHECK(p == 1.0 || p == 2.0 || inf, "norm: p must be 1, 2 or inf, got ", p);
  MINIDL_CHECK(x.defined(), "norm: undefined tensor");
  Tensor tmp;
  const Tensor& xf = floating_input(x, tmp);
  ReduceView v = detail::reduce_view(xf, axes, keepdim, "norm");
  Tensor out(std::move(v.out_shape), xf.dtype());
  detail::dispatch_floating(xf.dtype(), "norm", [&](auto tag) {
    using T = decltype(tag);
    T* po = out.data<T>();
    if (inf) {
      reduce_kernel<T, T>(
          static_cast<const T*>(v.data), v.outer, v.r, v.inner, T(0),
          [](T a, T x, std::int64_t) { return nan_max(a, std::fabs(x)); },
          [](T a, T b) { return nan_max(a, b); }, [po](std::int64_t j, T a) { po[j] = a; });
    } else if (p == 1.0) {
      sum_reduce<T>(
          v, [](T a, std::int64_t) { return double(std::fabs(a)); },
          [po](std::int64_t j, double s) { po[j] = static_cast<T>(s); });
    } else {
      sum_reduce<T>(
          v, [](T a, std::int64_t) { return double(a) * double(a); },
          [po](std::int64_t j, double s) { po[j] = static_cast<T>(std::sqrt(s)); });
    }
  });
  return out;
}

// Leading extra axes and axes where the target has size 1 (but x does not) are summed away.
Tensor sum_to(const Tensor& x, const Shape& shape) {
  MINIDL_CHECK(x.defined(), "sum_to: undefined tensor");
  const std::int64_t lead = x.dim() - static_cast<std::int64_t>(shape.size());
  MINIDL_CHECK(lead >= 0, "sum_to: cannot fold ", shape_str(x.shape()), " to ", shape_str(shape));
  Axes axes;
  for (std::int64_t i = 0; i < lead; ++i) axes.push_back(i);
  for (std::size_t i = 0; i < shape.size(); ++i) {
    const std::int64_t have = x.shape()[static_cast<std::size_t>(lead) + i];
    if (have == shape[i]) continue;
    MINIDL_CHECK(shape[i] == 1, "sum_to: cannot fold ", shape_str(x.shape()), " to ",
                 shape_str(shape));
    axes.push_back(lead + static_cast<std::int64_t>(i));
  }
  // Nothing to fold: the result is a view of x (like Tensor::reshape).
  if (axes.empty()) return x.reshape(shape);
  return sum(x, axes, false).reshape(shape);
}

}  // namespace minidl
