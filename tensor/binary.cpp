// Binary elementwise kernels with NumPy broadcasting: binary (tensor-tensor and tensor-scalar),
// broadcast_shapes, where, masked_fill and the in-place add_ / mul_.
//
// Paths, fastest first: same shape (one flat vectorised loop), one side a single element (the
// value is hoisted), then the general StridedPlan walk, whose inner runs are still the flat loops
// when the broadcast axes are outer ([N,D] op [D]) or the hoisted-scalar loop when the innermost
// axis is broadcast ([N,D] op [N,1]).
//
// Integer semantics (int64 op int64 stays int64):
//   div(a, b) = floor(a / b)            (like torch.floor_divide and Python's //; b = 0 throws)
//   pow(a, b) by repeated squaring      (b < 0 throws, like PyTorch)
//   add, sub, mul, neg wrap modulo 2^64 (computed in uint64: signed overflow is undefined in C++)
// maximum / minimum propagate NaN from either side (torch.maximum).
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "tensor/dispatch.h"
#include "tensor/loops.h"
#include "tensor/ops.h"

namespace minidl {
namespace {

using detail::StridedPlan;

const char* binary_name(BinaryOp op) {
  // In BinaryOp's declaration order.
  static constexpr const char* kNames[] = {"add", "sub", "mul", "div", "pow", "maximum", "minimum",
                                           "eq",  "ne",  "lt",  "le",  "gt",  "ge"};
  return kNames[static_cast<int>(op)];
}

using U64 = std::uint64_t;
inline std::int64_t wrap(U64 v) { return static_cast<std::int64_t>(v); }

inline std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  if (b == -1) return wrap(0ull - static_cast<U64>(a));  // INT64_MIN / -1 would trap
  std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

inline std::int64_t int_pow(std::int64_t a, std::int64_t e) {
  U64 r = 1, base = static_cast<U64>(a);
  for (; e > 0; e >>= 1) {
    if (e & 1) r *= base;
    base *= base;
  }
  return wrap(r);
}

// Calls visit(f) with f the scalar kernel (T, T) -> T of op.
template <typename T, typename Visit>
void with_binary_fn(BinaryOp op, Visit&& visit) {
  constexpr bool kInt = std::is_integral_v<T>;
  switch (op) {
    case BinaryOp::kAdd:
      if constexpr (kInt)
        return visit([](T a, T b) { return wrap(U64(a) + U64(b)); });
      else
        return visit([](T a, T b) { return a + b; });
    case BinaryOp::kSub:
      if constexpr (kInt)
        return visit([](T a, T b) { return wrap(U64(a) - U64(b)); });
      else
        return visit([](T a, T b) { return a - b; });
    case BinaryOp::kMul:
      if constexpr (kInt)
        return visit([](T a, T b) { return wrap(U64(a) * U64(b)); });
      else
        return visit([](T a, T b) { return a * b; });
    case BinaryOp::kDiv:
      if constexpr (kInt)
        return visit([](T a, T b) { return floor_div(a, b); });
      else
        return visit([](T a, T b) { return a / b; });
    case BinaryOp::kPow:
      if constexpr (kInt)
        return visit([](T a, T b) { return int_pow(a, b); });
      else
        return visit([](T a, T b) { return std::pow(a, b); });
    case BinaryOp::kMaximum:
      return visit([](T a, T b) { return (a > b || a != a) ? a : b; });
    case BinaryOp::kMinimum:
      return visit([](T a, T b) { return (a < b || a != a) ? a : b; });
    case BinaryOp::kEq:
      return visit([](T a, T b) { return T(a == b); });
    case BinaryOp::kNe:
      return visit([](T a, T b) { return T(a != b); });
    case BinaryOp::kLt:
      return visit([](T a, T b) { return T(a < b); });
    case BinaryOp::kLe:
      return visit([](T a, T b) { return T(a <= b); });
    case BinaryOp::kGt:
      return visit([](T a, T b) { return T(a > b); });
    case BinaryOp::kGe:
      return visit([](T a, T b) { return T(a >= b); });
  }
}

std::int64_t binary_grain(BinaryOp op, DType dt) {
  bool slow = op == BinaryOp::kPow || (op == BinaryOp::kDiv && dt == kInt64);
  return slow ? kGrainTranscendental : kGrainElementwise;
}

// Integer errors are found before any work, so no exception has to cross a TBB task.
void check_int_rhs(BinaryOp op, const std::int64_t* b, std::int64_t n) {
  if (op == BinaryOp::kDiv) {
    for (std::int64_t i = 0; i < n; ++i) MINIDL_CHECK(b[i] != 0, "div: integer division by zero");
  } else if (op == BinaryOp::kPow) {
    for (std::int64_t i = 0; i < n; ++i)
      MINIDL_CHECK(b[i] >= 0, "pow: integers to negative integer powers are not allowed (exponent ",
                   b[i], ")");
  }
}

// Plan for reading `ins` (contiguous, each broadcastable to out) along out's row-major order.
StridedPlan broadcast_plan(const Shape& out, std::initializer_list<const Shape*> ins,
                           const char* op) {
  StridedPlan p(static_cast<int>(ins.size()));
  const auto r = static_cast<std::int64_t>(out.size());
  for (std::int64_t d = 0; d < r; ++d) {
    std::int64_t strides[3] = {0, 0, 0};
    int k = 0;
    for (const Shape* s : ins) {
      std::int64_t ad = d - (r - static_cast<std::int64_t>(s->size()));
      if (ad >= 0 && (*s)[ad] != 1) {
        std::int64_t st = 1;
        for (std::size_t j = static_cast<std::size_t>(ad) + 1; j < s->size(); ++j) st *= (*s)[j];
        strides[k] = st;
      }
      ++k;
    }
    p.push(out[static_cast<std::size_t>(d)], strides, op);
  }
  p.finish();
  return p;
}

// out = f(a, b) with a, b of type T broadcast to out's shape; out may be a itself (in place).
template <typename T, typename F>
void run_binary(const Tensor& a, const Tensor& b, Tensor& out, std::int64_t grain, F f,
                const char* op) {
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* po = out.data<T>();
  const std::int64_t n = out.numel();
  if (n == 0) return;
  const bool a_full = a.numel() == n, b_full = b.numel() == n;
  if (a_full && b_full) {
    detail::run_chunks(n, grain, [&](std::int64_t s, std::int64_t e) {
      detail::map_vv(pa + s, pb + s, po + s, e - s, f);
    });
  } else if (a_full && b.numel() == 1) {
    const T vb = pb[0];
    detail::run_chunks(n, grain, [&](std::int64_t s, std::int64_t e) {
      detail::map_vs(pa + s, vb, po + s, e - s, f);
    });
  } else if (b_full && a.numel() == 1) {
    const T va = pa[0];
    detail::run_chunks(n, grain, [&](std::int64_t s, std::int64_t e) {
      detail::map_sv(va, pb + s, po + s, e - s, f);
    });
  } else {
    const StridedPlan p = broadcast_plan(out.shape(), {&a.shape(), &b.shape()}, op);
    // After coalescing, an innermost stride is 1 (walks the run) or 0 (broadcast along it).
    const std::int64_t sa = p.inner_stride(0), sb = p.inner_stride(1);
    auto run = [&](const std::int64_t* off, std::int64_t pos, std::int64_t len) {
      if (sa == 1 && sb == 1) {
        detail::map_vv(pa + off[0], pb + off[1], po + pos, len, f);
      } else if (sa == 1 && sb == 0) {
        detail::map_vs(pa + off[0], pb[off[1]], po + pos, len, f);
      } else if (sa == 0 && sb == 1) {
        detail::map_sv(pa[off[0]], pb + off[1], po + pos, len, f);
      } else {
        for (std::int64_t j = 0; j < len; ++j)
          po[pos + j] = f(pa[off[0] + j * sa], pb[off[1] + j * sb]);
      }
    };
    detail::run_chunks(
        n, grain, [&](std::int64_t s, std::int64_t e) { detail::for_each_run<2>(p, s, e, run); });
  }
}

// out[i] = c[i] != 0 ? a[i * SA] : b[i * SB] over one run of where()'s walk, SA and SB 0 (a
// broadcast value) or 1, in fixed blocks like tensor/loops.h's maps, with both sides read
// unconditionally, so GCC turns the choice into a masked blend and vectorises it. The strided walk
// in where() stays scalar and branches on every element, which costs a misprediction on about
// every other element of a random sign mask (leaky_relu's forward and backward on conv
// activations spent 20% of a DCGAN step there). out is where()'s fresh output, so it overlaps no
// input and each block is stored straight to it (no stack buffer; see detail::disjoint).
template <int SA, int SB, typename C, typename T>
void where_run(const C* __restrict c, const T* __restrict a, const T* __restrict b,
               T* __restrict out, std::int64_t n) {
  std::int64_t i = 0;
  for (; i + detail::kBlock <= n; i += detail::kBlock) {
    for (int j = 0; j < detail::kBlock; ++j) {
      const T av = a[(i + j) * SA], bv = b[(i + j) * SB];
      out[i + j] = c[i + j] != C(0) ? av : bv;
    }
  }
  for (; i < n; ++i) out[i] = c[i] != C(0) ? a[i * SA] : b[i * SB];
}

// Is v exactly representable in int64 (so a scalar keeps an int64 tensor int64)?
bool is_int64_value(double v) {
  return std::isfinite(v) && v == std::trunc(v) && v >= -9.2233720368547758e18 &&
         v < 9.2233720368547758e18;
}

}  // namespace

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const std::size_t r = a.size() > b.size() ? a.size() : b.size();
  Shape out(r);
  for (std::size_t i = 0; i < r; ++i) {
    std::int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    std::int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    MINIDL_CHECK(da == db || da == 1 || db == 1, op, ": shapes ", shape_str(a), " and ",
                 shape_str(b), " do not broadcast");
    out[i] = da == 1 ? db : da;
  }
  // [2^32, 1] and [1, 2^32] are each fine; together they are not.
  MINIDL_CHECK(checked_numel(out).has_value(), op, ": shapes ", shape_str(a), " and ", shape_str(b),
               " broadcast to ", shape_str(out), ", which has more than 2^63-1 elements");
  return out;
}

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  const char* name = binary_name(op);
  MINIDL_CHECK(a.defined() && b.defined(), name, ": undefined tensor");
  const DType dt = promote(a.dtype(), b.dtype());
  Tensor out(a.shape() == b.shape() ? a.shape() : broadcast_shapes(a.shape(), b.shape(), name), dt);
  // Pointers, not handle copies: copying a Tensor copies its shape (a heap allocation).
  Tensor conv_a, conv_b;
  const Tensor& ca = a.dtype() == dt ? a : (conv_a = a.to(dt));
  const Tensor& cb = b.dtype() == dt ? b : (conv_b = b.to(dt));
  if (dt == kInt64 && out.numel() > 0) check_int_rhs(op, cb.data<std::int64_t>(), cb.numel());
  detail::dispatch(dt, name, [&](auto tag) {
    using T = decltype(tag);
    with_binary_fn<T>(op,
                      [&](auto f) { run_binary<T>(ca, cb, out, binary_grain(op, dt), f, name); });
  });
  return out;
}

// The scalar takes the tensor's dtype, except that an int64 tensor with a non-integral scalar
// computes in float32 (PyTorch: int tensor * 0.5 is float).
Tensor binary(BinaryOp op, const Tensor& a, double s) {
  const char* name = binary_name(op);
  MINIDL_CHECK(a.defined(), name, ": undefined tensor");
  if (a.dtype() == kInt64 && !is_int64_value(s)) return binary(op, a.to(kFloat32), s);
  Tensor out(a.shape(), a.dtype());
  if (a.dtype() == kInt64) {
    const auto si = static_cast<std::int64_t>(s);
    check_int_rhs(op, &si, 1);
  }
  detail::dispatch(a.dtype(), name, [&](auto tag) {
    using T = decltype(tag);
    const T* pa = a.data<T>();
    T* po = out.data<T>();
    const T v = static_cast<T>(s);
    with_binary_fn<T>(op, [&](auto f) {
      detail::run_chunks(
          a.numel(), binary_grain(op, a.dtype()),
          [&](std::int64_t b, std::int64_t e) { detail::map_vs(pa + b, v, po + b, e - b, f); });
    });
  });
  return out;
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  MINIDL_CHECK(cond.defined() && a.defined() && b.defined(), "where: undefined tensor");
  const DType dt = promote(a.dtype(), b.dtype());
  Tensor out(
      broadcast_shapes(cond.shape(), broadcast_shapes(a.shape(), b.shape(), "where"), "where"), dt);
  // Nothing to compute; the plan's products over an empty shape's other dims could overflow.
  if (out.numel() == 0) return out;
  Tensor conv_a, conv_b;
  const Tensor& ca = a.dtype() == dt ? a : (conv_a = a.to(dt));
  const Tensor& cb = b.dtype() == dt ? b : (conv_b = b.to(dt));
  const StridedPlan p =
      broadcast_plan(out.shape(), {&cond.shape(), &a.shape(), &b.shape()}, "where");
  const std::int64_t sc = p.inner_stride(0), sa = p.inner_stride(1), sb = p.inner_stride(2);
  detail::dispatch(cond.dtype(), "where", [&](auto ctag) {
    using C = decltype(ctag);
    detail::dispatch(dt, "where", [&](auto tag) {
      using T = decltype(tag);
      const C* pc = cond.data<C>();
      const T* pa = ca.data<T>();
      const T* pb = cb.data<T>();
      T* po = out.data<T>();
      detail::run_chunks(out.numel(), kGrainElementwise, [&](std::int64_t s, std::int64_t e) {
        detail::for_each_run<3>(
            p, s, e, [&](const std::int64_t* off, std::int64_t pos, std::int64_t len) {
              // where(mask, g, 0) (relu's backward), where(mask, x, slope x) (leaky_relu), ...
              if (sc == 1 && (sa == 0 || sa == 1) && (sb == 0 || sb == 1)) {
                const C* c = pc + off[0];
                const T *a = pa + off[1], *b = pb + off[2];
                T* o = po + pos;
                if (sa == 1 && sb == 1) where_run<1, 1>(c, a, b, o, len);
                if (sa == 1 && sb == 0) where_run<1, 0>(c, a, b, o, len);
                if (sa == 0 && sb == 1) where_run<0, 1>(c, a, b, o, len);
                if (sa == 0 && sb == 0) where_run<0, 0>(c, a, b, o, len);
                return;
              }
              for (std::int64_t j = 0; j < len; ++j)
                po[pos + j] =
                    pc[off[0] + j * sc] != C(0) ? pa[off[1] + j * sa] : pb[off[2] + j * sb];
            });
      });
    });
  });
  return out;
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  MINIDL_CHECK(x.defined() && mask.defined(), "masked_fill: undefined tensor");
  MINIDL_CHECK(broadcast_shapes(x.shape(), mask.shape(), "masked_fill") == x.shape(),
               "masked_fill: mask ", shape_str(mask.shape()), " does not broadcast to x ",
               shape_str(x.shape()));
  Tensor out(x.shape(), x.dtype());
  if (out.numel() == 0) return out;  // as in where()
  const StridedPlan p = broadcast_plan(x.shape(), {&x.shape(), &mask.shape()}, "masked_fill");
  const std::int64_t sx = p.inner_stride(0), sm = p.inner_stride(1);
  detail::dispatch(mask.dtype(), "masked_fill", [&](auto mtag) {
    using M = decltype(mtag);
    detail::dispatch(x.dtype(), "masked_fill", [&](auto tag) {
      using T = decltype(tag);
      const T* px = x.data<T>();
      const M* pm = mask.data<M>();
      T* po = out.data<T>();
      const T v = static_cast<T>(value);
      detail::run_chunks(x.numel(), kGrainElementwise, [&](std::int64_t s, std::int64_t e) {
        detail::for_each_run<2>(
            p, s, e, [&](const std::int64_t* off, std::int64_t pos, std::int64_t len) {
              for (std::int64_t j = 0; j < len; ++j)
                po[pos + j] = pm[off[1] + j * sm] != M(0) ? v : px[off[0] + j * sx];
            });
      });
    });
  });
  return out;
}

namespace {

// Checks shared by the in-place ops and returns b ready to read: b itself, or (stored in `tmp`)
// b converted to a's dtype, or a private copy if b shares a's storage (an overlapping view would
// otherwise read values already overwritten).
const Tensor& inplace_rhs(const Tensor& a, const Tensor& b, Tensor& tmp, const char* op) {
  MINIDL_CHECK(a.defined() && b.defined(), op, ": undefined tensor");
  // b broadcasts into a: no more axes, and each trailing axis equal or 1.
  const Shape& sa = a.shape();
  const Shape& sb = b.shape();
  bool fits = sb.size() <= sa.size();
  for (std::size_t i = 0; fits && i < sb.size(); ++i) {
    const std::int64_t db = sb[sb.size() - 1 - i];
    fits = db == 1 || db == sa[sa.size() - 1 - i];
  }
  MINIDL_CHECK(fits, op, ": b ", shape_str(sb), " does not broadcast into a ", shape_str(sa));
  MINIDL_CHECK(promote(a.dtype(), b.dtype()) == a.dtype(), op, ": cannot write a ",
               dtype_name(b.dtype()), " result into a ", dtype_name(a.dtype()), " tensor in place");
  if (b.dtype() != a.dtype()) return tmp = b.to(a.dtype());
  if (b.shares_storage(a)) return tmp = b.clone();
  return b;
}

void check_int_scalar(const Tensor& a, double s, const char* op) {
  MINIDL_CHECK(a.dtype() != kInt64 || is_int64_value(s), op, ": non-integer scalar ", s,
               " for an int64 tensor");
}

}  // namespace

void add_(Tensor& a, const Tensor& b, double alpha) {
  Tensor tmp;
  const Tensor& cb = inplace_rhs(a, b, tmp, "add_");
  check_int_scalar(a, alpha, "add_");
  detail::dispatch(a.dtype(), "add_", [&](auto tag) {
    using T = decltype(tag);
    if (alpha == 1.0) {
      with_binary_fn<T>(BinaryOp::kAdd,
                        [&](auto f) { run_binary<T>(a, cb, a, kGrainElementwise, f, "add_"); });
    } else if constexpr (std::is_integral_v<T>) {
      const U64 k = static_cast<U64>(static_cast<T>(alpha));
      run_binary<T>(
          a, cb, a, kGrainElementwise, [k](T x, T y) { return wrap(U64(x) + k * U64(y)); }, "add_");
    } else {
      const T k = static_cast<T>(alpha);
      run_binary<T>(
          a, cb, a, kGrainElementwise, [k](T x, T y) { return x + k * y; }, "add_");
    }
  });
}

void mul_(Tensor& a, const Tensor& b) {
  Tensor tmp;
  const Tensor& cb = inplace_rhs(a, b, tmp, "mul_");
  detail::dispatch(a.dtype(), "mul_", [&](auto tag) {
    using T = decltype(tag);
    with_binary_fn<T>(BinaryOp::kMul,
                      [&](auto f) { run_binary<T>(a, cb, a, kGrainElementwise, f, "mul_"); });
  });
}

void mul_(Tensor& a, double s) {
  MINIDL_CHECK(a.defined(), "mul_: undefined tensor");
  check_int_scalar(a, s, "mul_");
  detail::dispatch(a.dtype(), "mul_", [&](auto tag) {
    using T = decltype(tag);
    T* p = a.data<T>();
    const T v = static_cast<T>(s);
    with_binary_fn<T>(BinaryOp::kMul, [&](auto f) {
      detail::run_chunks(a.numel(), kGrainElementwise, [&](std::int64_t b, std::int64_t e) {
        detail::map_vs(p + b, v, p + b, e - b, f);
      });
    });
  });
}

}  // namespace minidl
