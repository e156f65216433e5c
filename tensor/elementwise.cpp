// Unary elementwise kernels: unary(op, x) and clamp. Binary ops and broadcasting live in
// tensor/binary.cpp.
//
// Dtypes: exp, log, log1p, expm1, sqrt, rsqrt, sin, cos, tanh, sigmoid, reciprocal and erf are
// floating-only; an int64 input is converted to float32 first (PyTorch's rule). neg, abs, sign,
// relu, square, floor, ceil and round keep int64.
//
// Formulas that are not just the libm call:
//   sigmoid(x) = 1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x) for x < 0   (exp never overflows;
//                computed as e = exp(-|x|), r = 1 / (1 + e), then r or e * r)
//   relu(x)    = x < 0 ? 0 : x             (NaN and -0 pass through, like PyTorch)
//   sign(x)    = (0 < x) - (x < 0)          (sign(NaN) = 0, like PyTorch 1.13 on CPU)
//   round(x)   = nearest, ties to even     (torch.round)
//   softplus(x) = max(x, 0) + log1p(exp(-|x|))   (never overflows; the same roundings, op by op,
//                as the composition of where, neg, exp, log1p and add it replaces)
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "tensor/dispatch.h"
#include "tensor/loops.h"
#include "tensor/ops.h"

namespace minidl {
namespace {

const char* unary_name(UnaryOp op) {
  // In UnaryOp's declaration order.
  static constexpr const char* kNames[] = {
      "neg",   "abs",  "sign",  "exp",  "log",     "log1p",   "expm1",  "sqrt",
      "rsqrt", "sin",  "cos",   "tanh", "sigmoid", "relu",    "square", "reciprocal",
      "floor", "ceil", "round", "erf",  "atan",    "softplus"};
  return kNames[static_cast<int>(op)];
}

bool keeps_int(UnaryOp op) {
  switch (op) {
    case UnaryOp::kNeg:
    case UnaryOp::kAbs:
    case UnaryOp::kSign:
    case UnaryOp::kRelu:
    case UnaryOp::kSquare:
    case UnaryOp::kFloor:
    case UnaryOp::kCeil:
    case UnaryOp::kRound:
      return true;
    default:
      return false;
  }
}

// libm-bound ops get the smaller grain: one element costs tens of cycles, not one.
bool is_transcendental(UnaryOp op) {
  switch (op) {
    case UnaryOp::kExp:
    case UnaryOp::kLog:
    case UnaryOp::kLog1p:
    case UnaryOp::kExpm1:
    case UnaryOp::kSin:
    case UnaryOp::kCos:
    case UnaryOp::kTanh:
    case UnaryOp::kSigmoid:
    case UnaryOp::kErf:
    case UnaryOp::kAtan:
    case UnaryOp::kSoftplus:
      return true;
    default:
      return false;
  }
}

template <typename T, typename F>
void apply(const T* x, T* out, std::int64_t n, std::int64_t grain, F f) {
  detail::run_chunks(
      n, grain, [&](std::int64_t b, std::int64_t e) { detail::map1(x + b, out + b, e - b, f); });
}

// Signed overflow is undefined behaviour; integer arithmetic wraps through uint64 instead.
inline std::int64_t wrap_neg(std::int64_t v) {
  return static_cast<std::int64_t>(0ull - static_cast<std::uint64_t>(v));
}
inline std::int64_t wrap_mul(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b));
}

template <typename T>
void unary_int_kept(UnaryOp op, const T* x, T* out, std::int64_t n) {
  const std::int64_t g = kGrainElementwise;
  switch (op) {
    case UnaryOp::kNeg:
      if constexpr (std::is_integral_v<T>)
        return apply(x, out, n, g, [](T v) { return wrap_neg(v); });
      else
        return apply(x, out, n, g, [](T v) { return -v; });
    case UnaryOp::kAbs:
      if constexpr (std::is_integral_v<T>)
        return apply(x, out, n, g, [](T v) { return v < 0 ? wrap_neg(v) : v; });
      else
        return apply(x, out, n, g, [](T v) { return std::fabs(v); });
    case UnaryOp::kSign:
      return apply(x, out, n, g, [](T v) { return static_cast<T>((T(0) < v) - (v < T(0))); });
    case UnaryOp::kRelu:
      return apply(x, out, n, g, [](T v) { return v < T(0) ? T(0) : v; });
    case UnaryOp::kSquare:
      if constexpr (std::is_integral_v<T>)
        return apply(x, out, n, g, [](T v) { return wrap_mul(v, v); });
      else
        return apply(x, out, n, g, [](T v) { return v * v; });
    case UnaryOp::kFloor:
      if constexpr (std::is_integral_v<T>)
        return apply(x, out, n, g, [](T v) { return v; });
      else
        return apply(x, out, n, g, [](T v) { return std::floor(v); });
    case UnaryOp::kCeil:
      if constexpr (std::is_integral_v<T>)
        return apply(x, out, n, g, [](T v) { return v; });
      else
        return apply(x, out, n, g, [](T v) { return std::ceil(v); });
    case UnaryOp::kRound:
      if constexpr (std::is_integral_v<T>)
        return apply(x, out, n, g, [](T v) { return v; });
      else
        return apply(x, out, n, g, [](T v) { return std::nearbyint(v); });
    default:
      MINIDL_FAIL(unary_name(op), ": not an integer-preserving op");
  }
}

// Branch-free form of the two-sided formula (random signs would mispredict a branch half the time).
template <typename T>
T sigmoid_one(T v) {
  const T e = std::exp(-std::fabs(v));
  const T r = T(1) / (T(1) + e);
  return v >= T(0) ? r : e * r;
}

// float32 tanh through one double exp: (1 - e) / (1 + e), e = exp(-2|x|) in [0, 1], so nothing
// overflows, and the double result rounds to within an ulp of float's tanh; below |x| = 1e-4,
// where 1 - e would lose digits, x (1 - x^2 / 3) (its error is 2 x^5 / 15). glibc's tanhf was
// ~3x slower (the DCGAN generator's output layer). float64 keeps std::tanh.
inline float tanh_float(float v) {
  const double x = static_cast<double>(v), a = std::fabs(x);
  const double e = std::exp(-2.0 * a);
  const double big = std::copysign((1.0 - e) / (1.0 + e), x), small = x * (1.0 - x * x / 3.0);
  return static_cast<float>(a < 1e-4 ? small : big);  // a select, not a branch
}

template <typename T>
void unary_floating(UnaryOp op, const T* x, T* out, std::int64_t n) {
  const std::int64_t g = is_transcendental(op) ? kGrainTranscendental : kGrainElementwise;
  switch (op) {
    case UnaryOp::kExp:
      return apply(x, out, n, g, [](T v) { return std::exp(v); });
    case UnaryOp::kLog:
      return apply(x, out, n, g, [](T v) { return std::log(v); });
    case UnaryOp::kLog1p:
      return apply(x, out, n, g, [](T v) { return std::log1p(v); });
    case UnaryOp::kExpm1:
      return apply(x, out, n, g, [](T v) { return std::expm1(v); });
    case UnaryOp::kSqrt:
      return apply(x, out, n, g, [](T v) { return std::sqrt(v); });
    case UnaryOp::kRsqrt:
      return apply(x, out, n, g, [](T v) { return T(1) / std::sqrt(v); });
    case UnaryOp::kSin:
      return apply(x, out, n, g, [](T v) { return std::sin(v); });
    case UnaryOp::kCos:
      return apply(x, out, n, g, [](T v) { return std::cos(v); });
    case UnaryOp::kTanh:
      if constexpr (std::is_same_v<T, float>) {
        return apply(x, out, n, g, [](float v) { return tanh_float(v); });
      } else {
        return apply(x, out, n, g, [](T v) { return std::tanh(v); });
      }
    case UnaryOp::kSigmoid:
      return apply(x, out, n, g, [](T v) { return sigmoid_one(v); });
    case UnaryOp::kReciprocal:
      return apply(x, out, n, g, [](T v) { return T(1) / v; });
    case UnaryOp::kErf:
      return apply(x, out, n, g, [](T v) { return std::erf(v); });
    case UnaryOp::kAtan:
      return apply(x, out, n, g, [](T v) { return std::atan(v); });
    case UnaryOp::kSoftplus:
      return apply(x, out, n, g, [](T v) {
        const bool nonneg = v >= T(0);
        return (nonneg ? v : T(0)) + std::log1p(std::exp(-(nonneg ? v : -v)));
      });
    default:
      return unary_int_kept(op, x, out, n);
  }
}

}  // namespace

Tensor unary(UnaryOp op, const Tensor& x) {
  const char* name = unary_name(op);
  MINIDL_CHECK(x.defined(), name, ": undefined tensor");
  Tensor conv;  // a reference, not a handle copy (which would copy the shape)
  const Tensor& src = (x.dtype() == kInt64 && !keeps_int(op)) ? (conv = x.to(kFloat32)) : x;
  Tensor out(src.shape(), src.dtype());
  detail::dispatch(src.dtype(), name, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>)
      unary_floating(op, src.data<T>(), out.data<T>(), src.numel());
    else
      unary_int_kept(op, src.data<T>(), out.data<T>(), src.numel());
  });
  return out;
}

// out[i] = c[i] > 0 ? a[i] : a[i] s, written as (c > 0 ? a : 0) + (c > 0 ? 0 : a) s: each
// select has a constant side, the form GCC vectorises (as relu's); `c > 0 ? a : a s` stayed a
// branch that mispredicts on about every other element of conv activations (10x slower). Exact
// but for the sign of a zero result. leaky_relu is (c, a) = (x, x); its backward (x, g).
template <typename T>
void leaky_blend(const T* c, const T* a, T s, T* out, std::int64_t n) {
  detail::map_vv(c, a, out, n, [s](T cv, T av) {
    const T keep = cv > T(0) ? av : T(0), scaled = cv > T(0) ? T(0) : av;
    return keep + scaled * s;
  });
}

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  MINIDL_CHECK(x.defined(), "leaky_relu: undefined tensor");
  Tensor out(x.shape(), x.dtype());
  detail::dispatch_floating(x.dtype(), "leaky_relu", [&](auto tag) {
    using T = decltype(tag);
    const T *xp = x.data<T>(), s = static_cast<T>(negative_slope);
    T* op = out.data<T>();
    detail::run_chunks(x.numel(), kGrainElementwise, [&](std::int64_t b, std::int64_t e) {
      leaky_blend(xp + b, xp + b, s, op + b, e - b);
    });
  });
  return out;
}

Tensor leaky_relu_backward(const Tensor& g, const Tensor& x, double negative_slope) {
  MINIDL_CHECK(g.defined() && x.defined() && g.shape() == x.shape() && g.dtype() == x.dtype(),
               "leaky_relu_backward: gradient ", shape_str(g.shape()), " and input ",
               shape_str(x.shape()), " must have one shape and dtype");
  Tensor out(x.shape(), x.dtype());
  detail::dispatch_floating(x.dtype(), "leaky_relu_backward", [&](auto tag) {
    using T = decltype(tag);
    const T *gp = g.data<T>(), *xp = x.data<T>(), s = static_cast<T>(negative_slope);
    T* op = out.data<T>();
    detail::run_chunks(x.numel(), kGrainElementwise, [&](std::int64_t b, std::int64_t e) {
      leaky_blend(xp + b, gp + b, s, op + b, e - b);
    });
  });
  return out;
}

Tensor relu_backward(const Tensor& g, const Tensor& out) {
  MINIDL_CHECK(g.defined() && out.defined() && g.shape() == out.shape() && g.dtype() == out.dtype(),
               "relu_backward: gradient ", shape_str(g.shape()), " and output ",
               shape_str(out.shape()), " must have one shape and dtype");
  Tensor dx(out.shape(), out.dtype());
  detail::dispatch_floating(out.dtype(), "relu_backward", [&](auto tag) {
    using T = decltype(tag);
    const T *gp = g.data<T>(), *yp = out.data<T>();
    T* dp = dx.data<T>();
    detail::run_chunks(out.numel(), kGrainElementwise, [&](std::int64_t b, std::int64_t e) {
      detail::map_vv(yp + b, gp + b, dp + b, e - b,
                     [](T y, T gi) { return y <= T(0) ? T(0) : gi; });
    });
  });
  return dx;
}

// clamp(x) = min(max(x, lo), hi): lo > hi gives hi everywhere (like PyTorch); NaN stays NaN because
// both comparisons are false. Integer tensors round the bounds inward (lo up, hi down).
Tensor clamp(const Tensor& x, std::optional<double> lo, std::optional<double> hi) {
  MINIDL_CHECK(x.defined(), "clamp: undefined tensor");
  MINIDL_CHECK(!(lo && std::isnan(*lo)) && !(hi && std::isnan(*hi)), "clamp: a bound is NaN");
  Tensor out(x.shape(), x.dtype());
  detail::dispatch(x.dtype(), "clamp", [&](auto tag) {
    using T = decltype(tag);
    auto bound = [](std::optional<double> b, bool is_lo) -> T {
      if constexpr (std::is_integral_v<T>) {
        constexpr double kMax = 9.2233720368547748e18;  // 2^63
        double r = is_lo ? std::ceil(*b) : std::floor(*b);
        if (r >= kMax) return std::numeric_limits<T>::max();
        if (r < -kMax) return std::numeric_limits<T>::lowest();
        return static_cast<T>(r);
      } else {
        return static_cast<T>(*b);
      }
    };
    const T* px = x.data<T>();
    T* po = out.data<T>();
    const std::int64_t n = x.numel(), g = kGrainElementwise;
    if (lo && hi) {
      T l = bound(lo, true), h = bound(hi, false);
      apply(px, po, n, g, [l, h](T v) {
        T t = v < l ? l : v;
        return t > h ? h : t;
      });
    } else if (lo) {
      T l = bound(lo, true);
      apply(px, po, n, g, [l](T v) { return v < l ? l : v; });
    } else if (hi) {
      T h = bound(hi, false);
      apply(px, po, n, g, [h](T v) { return v > h ? h : v; });
    } else {
      apply(px, po, n, g, [](T v) { return v; });
    }
  });
  return out;
}

}  // namespace minidl
