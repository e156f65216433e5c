// Naive references for the elementwise and reduction kernels; see tensor/naive_math.h.
// The reductions go through two helpers: `reduce` gathers, for every output element, the list of
// input values it reduces (by walking full multi-indices), and `along` gives every element the
// line of values through it along one axis (softmax).
#include "tensor/naive_math.h"

#include <cmath>
#include <functional>
#include <limits>
#include <vector>

namespace minidl::naive {
namespace {

using Values = std::vector<double>;

std::vector<std::int64_t> strides_of(const Shape& s) {
  std::vector<std::int64_t> st(s.size(), 1);
  for (std::size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
  return st;
}

// Row-major multi-index of flat index f in shape s.
std::vector<std::int64_t> unravel(std::int64_t f, const Shape& s) {
  std::vector<std::int64_t> idx(s.size());
  for (std::size_t i = s.size(); i-- > 0;) {
    idx[i] = f % s[i];
    f /= s[i];
  }
  return idx;
}

Tensor from_doubles(const Values& v, const Shape& shape, DType dt) {
  return from_vector(v, {static_cast<std::int64_t>(v.size())}).reshape(shape).to(dt);
}

std::vector<bool> axis_mask(const Tensor& x, const Axes& axes) {
  std::vector<bool> red(static_cast<std::size_t>(x.dim()), axes.empty());
  for (auto a : axes)
    if (x.dim() > 0) red[static_cast<std::size_t>(a < 0 ? a + x.dim() : a)] = true;
  return red;
}

// out[k] = f(values of x at every index whose kept coordinates are output k's).
Tensor reduce(const Tensor& x, const Axes& axes, bool keepdim, DType dt,
              const std::function<double(const Values&)>& f) {
  const auto red = axis_mask(x, axes);
  Shape kept_shape, out_shape;
  for (std::size_t i = 0; i < red.size(); ++i) {
    if (!red[i]) kept_shape.push_back(x.shape()[i]);
    if (!red[i] || keepdim) out_shape.push_back(red[i] ? 1 : x.shape()[i]);
  }
  const std::int64_t nout = shape_numel(kept_shape);
  std::vector<Values> groups(static_cast<std::size_t>(nout));
  const auto xs = x.to_vector();
  std::vector<std::int64_t> idx(x.shape().size(), 0);  // multi-index of flat element f
  for (std::int64_t f = 0; f < x.numel(); ++f) {
    std::int64_t k = 0;
    for (std::size_t i = 0; i < red.size(); ++i)
      if (!red[i]) k = k * x.shape()[i] + idx[i];
    groups[static_cast<std::size_t>(k)].push_back(xs[static_cast<std::size_t>(f)]);
    for (std::size_t i = idx.size(); i-- > 0;) {
      if (++idx[i] < x.shape()[i]) break;
      idx[i] = 0;
    }
  }
  Values out;
  for (const auto& g : groups) out.push_back(f(g));
  return from_doubles(out, out_shape, dt);
}

DType float_of(DType dt) { return dt == kInt64 ? kFloat32 : dt; }

double apply_unary(UnaryOp op, double v) {
  switch (op) {
    case UnaryOp::kNeg:
      return -v;
    case UnaryOp::kAbs:
      return std::fabs(v);
    case UnaryOp::kSign:
      return v > 0 ? 1.0 : v < 0 ? -1.0 : 0.0;
    case UnaryOp::kExp:
      return std::exp(v);
    case UnaryOp::kLog:
      return std::log(v);
    case UnaryOp::kLog1p:
      return std::log1p(v);
    case UnaryOp::kExpm1:
      return std::expm1(v);
    case UnaryOp::kSqrt:
      return std::sqrt(v);
    case UnaryOp::kRsqrt:
      return 1.0 / std::sqrt(v);
    case UnaryOp::kSin:
      return std::sin(v);
    case UnaryOp::kCos:
      return std::cos(v);
    case UnaryOp::kTanh:
      return std::tanh(v);
    case UnaryOp::kSigmoid:
      return 1.0 / (1.0 + std::exp(-v));
    case UnaryOp::kRelu:
      return v > 0 ? v : (std::isnan(v) ? v : 0.0);
    case UnaryOp::kSquare:
      return v * v;
    case UnaryOp::kReciprocal:
      return 1.0 / v;
    case UnaryOp::kFloor:
      return std::floor(v);
    case UnaryOp::kCeil:
      return std::ceil(v);
    case UnaryOp::kRound:
      return std::nearbyint(v);
    case UnaryOp::kErf:
      return std::erf(v);
    case UnaryOp::kAtan:
      return std::atan(v);
    case UnaryOp::kSoftplus:
      return std::log(1.0 + std::exp(v));
  }
  return 0;
}

double apply_binary(BinaryOp op, double a, double b, bool integer) {
  switch (op) {
    case BinaryOp::kAdd:
      return a + b;
    case BinaryOp::kSub:
      return a - b;
    case BinaryOp::kMul:
      return a * b;
    case BinaryOp::kDiv:
      return integer ? std::floor(a / b) : a / b;
    case BinaryOp::kPow:
      return std::pow(a, b);
    case BinaryOp::kMaximum:
      return std::isnan(a) || std::isnan(b) ? NAN : std::fmax(a, b);
    case BinaryOp::kMinimum:
      return std::isnan(a) || std::isnan(b) ? NAN : std::fmin(a, b);
    case BinaryOp::kEq:
      return a == b;
    case BinaryOp::kNe:
      return a != b;
    case BinaryOp::kLt:
      return a < b;
    case BinaryOp::kLe:
      return a <= b;
    case BinaryOp::kGt:
      return a > b;
    case BinaryOp::kGe:
      return a >= b;
  }
  return 0;
}

}  // namespace

Tensor unary(UnaryOp op, const Tensor& x) {
  const bool keeps_int = op == UnaryOp::kNeg || op == UnaryOp::kAbs || op == UnaryOp::kSign ||
                         op == UnaryOp::kRelu || op == UnaryOp::kSquare || op == UnaryOp::kFloor ||
                         op == UnaryOp::kCeil || op == UnaryOp::kRound;
  Values out;
  for (double v : x.to_vector()) out.push_back(apply_unary(op, v));
  return from_doubles(out, x.shape(), keeps_int ? x.dtype() : float_of(x.dtype()));
}

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  const DType dt = promote(a.dtype(), b.dtype());
  const Shape shape = broadcast_shapes(a.shape(), b.shape());
  const auto av = a.to_vector(), bv = b.to_vector();
  const auto sa = strides_of(a.shape()), sb = strides_of(b.shape());
  Values out;
  std::vector<std::int64_t> idx(shape.size(), 0);  // multi-index of output element f
  for (std::int64_t f = 0; f < shape_numel(shape); ++f) {
    std::int64_t ia = 0, ib = 0;
    for (std::size_t d = 0; d < shape.size(); ++d) {
      const std::int64_t da =
          static_cast<std::int64_t>(d) - static_cast<std::int64_t>(shape.size() - a.shape().size());
      const std::int64_t db =
          static_cast<std::int64_t>(d) - static_cast<std::int64_t>(shape.size() - b.shape().size());
      if (da >= 0 && a.shape()[da] != 1) ia += idx[d] * sa[da];
      if (db >= 0 && b.shape()[db] != 1) ib += idx[d] * sb[db];
    }
    out.push_back(apply_binary(op, av[ia], bv[ib], dt == kInt64));
    for (std::size_t d = idx.size(); d-- > 0;) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return from_doubles(out, shape, dt);
}

Tensor sum(const Tensor& x, const Axes& axes, bool keepdim) {
  return reduce(x, axes, keepdim, x.dtype(), [](const Values& g) {
    double s = 0;
    for (double v : g) s += v;
    return s;
  });
}

Tensor mean(const Tensor& x, const Axes& axes, bool keepdim) {
  return reduce(x, axes, keepdim, float_of(x.dtype()), [](const Values& g) {
    double s = 0;
    for (double v : g) s += v;
    return s / static_cast<double>(g.size());
  });
}

Tensor var(const Tensor& x, const Axes& axes, std::int64_t correction, bool keepdim) {
  return reduce(x, axes, keepdim, float_of(x.dtype()), [correction](const Values& g) {
    double m = 0, ss = 0;
    for (double v : g) m += v;
    m /= static_cast<double>(g.size());
    for (double v : g) ss += (v - m) * (v - m);
    const auto n = static_cast<std::int64_t>(g.size());
    return ss / static_cast<double>(n - correction > 0 ? n - correction : 0);
  });
}

Tensor amax(const Tensor& x, const Axes& axes, bool keepdim) {
  return reduce(x, axes, keepdim, x.dtype(), [](const Values& g) {
    double m = -INFINITY;
    for (double v : g) m = std::isnan(v) || std::isnan(m) ? NAN : std::fmax(m, v);
    return m;
  });
}

Tensor amin(const Tensor& x, const Axes& axes, bool keepdim) {
  return reduce(x, axes, keepdim, x.dtype(), [](const Values& g) {
    double m = INFINITY;
    for (double v : g) m = std::isnan(v) || std::isnan(m) ? NAN : std::fmin(m, v);
    return m;
  });
}

Tensor logsumexp(const Tensor& x, const Axes& axes, bool keepdim) {
  return reduce(x, axes, keepdim, float_of(x.dtype()), [](const Values& g) {
    double m = -INFINITY;
    for (double v : g) m = std::fmax(m, v);
    if (std::isinf(m)) m = 0;
    double s = 0;
    for (double v : g) s += std::exp(v - m);
    return m + std::log(s);
  });
}

Tensor norm(const Tensor& x, double p, const Axes& axes, bool keepdim) {
  return reduce(x, axes, keepdim, float_of(x.dtype()), [p](const Values& g) {
    double s = 0;
    for (double v : g) {
      if (std::isinf(p))
        s = std::fmax(s, std::fabs(v));
      else
        s += std::pow(std::fabs(v), p);
    }
    return std::isinf(p) ? s : std::pow(s, 1.0 / p);
  });
}

namespace {

// Position of the first NaN if there is one, else of the first extreme value.
std::size_t extreme_index(const Values& g, bool is_max) {
  for (std::size_t i = 0; i < g.size(); ++i)
    if (std::isnan(g[i])) return i;
  std::size_t bi = 0;
  for (std::size_t i = 1; i < g.size(); ++i)
    if (is_max ? g[i] > g[bi] : g[i] < g[bi]) bi = i;
  return bi;
}

std::pair<Tensor, Tensor> extreme(const Tensor& x, std::int64_t axis, bool keepdim, bool is_max) {
  const Tensor values = reduce(x, {axis}, keepdim, x.dtype(),
                               [is_max](const Values& g) { return g[extreme_index(g, is_max)]; });
  const Tensor index = reduce(x, {axis}, keepdim, kInt64, [is_max](const Values& g) {
    return static_cast<double>(extreme_index(g, is_max));
  });
  return {values, index};
}

// out[i] = f(all values along axis through i, position of i along it).
Tensor along(const Tensor& x, std::int64_t axis,
             const std::function<double(const Values&, std::size_t)>& f) {
  const std::int64_t a = axis < 0 ? axis + x.dim() : axis;
  const auto xs = x.to_vector();
  const auto st = strides_of(x.shape());
  Values out(xs.size());
  for (std::int64_t fl = 0; fl < x.numel(); ++fl) {
    const auto idx = unravel(fl, x.shape());
    if (x.dim() == 0) {
      out[0] = f(Values{xs[0]}, 0);
      break;
    }
    Values line;
    const std::int64_t base = fl - idx[a] * st[a];
    for (std::int64_t k = 0; k < x.shape()[a]; ++k) line.push_back(xs[base + k * st[a]]);
    out[fl] = f(line, static_cast<std::size_t>(idx[a]));
  }
  return from_doubles(out, x.shape(), float_of(x.dtype()));
}

}  // namespace

std::pair<Tensor, Tensor> max(const Tensor& x, std::int64_t axis, bool keepdim) {
  return extreme(x, axis, keepdim, true);
}
std::pair<Tensor, Tensor> min(const Tensor& x, std::int64_t axis, bool keepdim) {
  return extreme(x, axis, keepdim, false);
}

Tensor softmax(const Tensor& x, std::int64_t axis) {
  return along(x, axis, [](const Values& line, std::size_t i) {
    double s = 0;
    for (double v : line) s += std::exp(v);
    return std::exp(line[i]) / s;
  });
}

Tensor log_softmax(const Tensor& x, std::int64_t axis) {
  return along(x, axis, [](const Values& line, std::size_t i) {
    double s = 0;
    for (double v : line) s += std::exp(v);
    return line[i] - std::log(s);
  });
}

}  // namespace minidl::naive
