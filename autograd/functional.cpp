// Composite ops: each is a few primitives, so gradients (of any order) need no code here.
#include "autograd/functional.h"

#include <cmath>
#include <limits>
#include <numbers>

#include "autograd/op_util.h"
#include "tensor/ops.h"

namespace minidl {

namespace {
std::int64_t norm_axis(std::int64_t axis, std::int64_t rank, const char* op) {
  MINIDL_CHECK(axis >= -rank && axis < std::max<std::int64_t>(rank, 1), op, ": axis ", axis,
               " out of range for rank ", rank);
  return axis < 0 ? axis + rank : axis;
}

// Number of elements a reduction over `axes` folds together, as the double it divides by: the
// reduced dims of an empty tensor may multiply past int64 ([0, 2^62, 2^62] over axes 1 and 2).
double reduced_count(const Shape& s, const Axes& axes) {
  if (axes.empty()) return static_cast<double>(shape_numel(s));
  double n = 1;
  for (auto a : axes)
    n *= static_cast<double>(
        s[static_cast<std::size_t>(norm_axis(a, static_cast<std::int64_t>(s.size()), "reduce"))]);
  return n;
}

// The shape of a reduction over `axes` without keepdim.
Shape reduced_shape(const Shape& s, const Axes& axes) {
  auto rank = static_cast<std::int64_t>(s.size());
  std::vector<bool> drop(s.size(), axes.empty());
  for (auto a : axes) drop[static_cast<std::size_t>(norm_axis(a, rank, "reduce"))] = true;
  Shape out;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!drop[i]) out.push_back(s[i]);
  return out;
}
}  // namespace

Variable constant_like(const Variable& x, double value) {
  return Variable(full_like(x.value(), value));
}
Variable scalar_like(const Variable& x, double value) {
  return Variable(scalar_tensor(value, x.dtype()));
}

// ---- scalar forms
// Float variables take the scalar as a number; int64 ones keep PyTorch's promotion through the
// tensor path.
Variable add(const Variable& a, double b) {
  return is_floating(a.dtype()) ? add_scalar(a, b) : add(a, scalar_like(a, b));
}
// a - b == a + (-b) exactly in IEEE arithmetic.
Variable sub(const Variable& a, double b) { return add(a, -b); }
Variable sub(double a, const Variable& b) { return sub(scalar_like(b, a), b); }
Variable mul(const Variable& a, double b) {
  return is_floating(a.dtype()) ? mul_scalar(a, b) : mul(a, scalar_like(a, b));
}
Variable div(const Variable& a, double b) {
  return annotate(div(a, scalar_like(a, b)), [b] { return "divisor=" + detail::number_str(b); });
}
Variable div(double a, const Variable& b) { return div(scalar_like(b, a), b); }
Variable pow(const Variable& a, double b) {
  // The exponent is a 0-d constant input of the pow node; the attribute shows its value.
  return annotate(pow(a, scalar_like(a, b)), [b] { return "exponent=" + detail::number_str(b); });
}

Variable operator+(const Variable& a, const Variable& b) { return add(a, b); }
Variable operator-(const Variable& a, const Variable& b) { return sub(a, b); }
Variable operator*(const Variable& a, const Variable& b) { return mul(a, b); }
Variable operator/(const Variable& a, const Variable& b) { return div(a, b); }
Variable operator-(const Variable& a) { return neg(a); }
Variable operator+(const Variable& a, double b) { return add(a, b); }
Variable operator+(double a, const Variable& b) { return add(b, a); }
Variable operator-(const Variable& a, double b) { return sub(a, b); }
Variable operator-(double a, const Variable& b) { return sub(a, b); }
Variable operator*(const Variable& a, double b) { return mul(a, b); }
Variable operator*(double a, const Variable& b) { return mul(b, a); }
Variable operator/(const Variable& a, double b) { return div(a, b); }
Variable operator/(double a, const Variable& b) { return div(a, b); }

// ---- elementwise
Variable square(const Variable& x) { return mul(x, x); }
// 1 / sqrt(x)
Variable rsqrt(const Variable& x) { return div(1.0, sqrt(x)); }
Variable reciprocal(const Variable& x) { return div(1.0, x); }
// max(a, b); at ties the gradient is split evenly between a and b, as in PyTorch.
Variable maximum(const Variable& a, const Variable& b) {
  Variable tie = mul(add(a, b), 0.5);
  return where(minidl::gt(a.value(), b.value()), a,
               where(minidl::lt(a.value(), b.value()), b, tie));
}
Variable minimum(const Variable& a, const Variable& b) {
  Variable tie = mul(add(a, b), 0.5);
  return where(minidl::lt(a.value(), b.value()), a,
               where(minidl::gt(a.value(), b.value()), b, tie));
}
Variable masked_fill(const Variable& x, const Tensor& mask, double value) {
  return where(mask, scalar_like(x, value), x);
}
// x if x > 0 else alpha (e^x - 1).
Variable elu(const Variable& x, double alpha) {
  return where(minidl::gt(x.value(), 0.0), x, mul(expm1(x), alpha));
}
// Exact GELU: x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)), PyTorch's default (approximate='none').
Variable gelu(const Variable& x) {
  return mul(mul(x, 0.5), add(erf(mul(x, 1.0 / std::numbers::sqrt2)), 1.0));
}
// x sigmoid(x)
Variable silu(const Variable& x) { return mul(x, sigmoid(x)); }
// log sigmoid(x) = -softplus(-x); softplus (a primitive, autograd/elementwise_ops.cpp) has
// derivative sigmoid everywhere, 0.5 at 0.
Variable log_sigmoid(const Variable& x) { return neg(softplus(neg(x))); }

// ---- reductions
Variable mean(const Variable& x, const Axes& axes, bool keepdim) {
  return div(sum(x, axes, keepdim), reduced_count(x.shape(), axes));
}
// sum((x - mean)^2) / (n - correction): two passes, stable.
Variable var(const Variable& x, const Axes& axes, std::int64_t correction, bool keepdim) {
  const double n = reduced_count(x.shape(), axes);
  Variable d = sub(x, mean(x, axes, true));
  return div(sum(mul(d, d), axes, keepdim), std::max(n - static_cast<double>(correction), 0.0));
}
Variable std(const Variable& x, const Axes& axes, std::int64_t correction, bool keepdim) {
  return sqrt(var(x, axes, correction, keepdim));
}
Variable amin(const Variable& x, const Axes& axes, bool keepdim) {
  return neg(amax(neg(x), axes, keepdim));
}

std::pair<Variable, Tensor> max(const Variable& x, std::int64_t axis, bool keepdim) {
  Tensor idx = minidl::argmax(x.value(), axis, true);
  Variable v = gather(x, axis, idx);
  if (!keepdim) {
    v = squeeze(v, axis);
    idx = minidl::squeeze(idx, axis);
  }
  return {v, idx};
}
std::pair<Variable, Tensor> min(const Variable& x, std::int64_t axis, bool keepdim) {
  Tensor idx = minidl::argmin(x.value(), axis, true);
  Variable v = gather(x, axis, idx);
  if (!keepdim) {
    v = squeeze(v, axis);
    idx = minidl::squeeze(idx, axis);
  }
  return {v, idx};
}
// m + log(sum(exp(x - m))), m = max over axes held constant (it cancels in the gradient), and 0
// where m is infinite so an all -inf row gives -inf rather than NaN.
Variable logsumexp(const Variable& x, const Axes& axes, bool keepdim) {
  Tensor m = minidl::amax(x.value(), axes, true);
  m = minidl::where(minidl::eq(minidl::abs(m), std::numeric_limits<double>::infinity()),
                    zeros_like(m), m);
  Variable mv(m);
  Variable r = add(log(sum(exp(sub(x, mv)), axes, true)), mv);
  return keepdim ? r : reshape(r, reduced_shape(x.shape(), axes));
}
Variable norm(const Variable& x, double p, const Axes& axes, bool keepdim) {
  if (p == 1.0) return sum(abs(x), axes, keepdim);
  if (p == 2.0) {
    // sqrt(sum x^2) with the gradient at a zero vector taken as 0 (PyTorch's subgradient), not
    // 0 * inf = NaN: the square root only ever sees a positive argument.
    Variable s = sum(mul(x, x), axes, keepdim);
    Tensor zero = minidl::eq(s.value(), 0.0);
    return where(zero, scalar_like(s, 0.0), sqrt(where(zero, scalar_like(s, 1.0), s)));
  }
  if (std::isinf(p) && p > 0) return amax(abs(x), axes, keepdim);
  MINIDL_FAIL("norm: p must be 1, 2 or inf, got ", p);
}

// ---- shape
Variable transpose(const Variable& x, std::int64_t a, std::int64_t b) {
  Axes dims(static_cast<std::size_t>(x.dim()));
  for (std::int64_t i = 0; i < x.dim(); ++i) dims[static_cast<std::size_t>(i)] = i;
  std::swap(dims[static_cast<std::size_t>(norm_axis(a, x.dim(), "transpose"))],
            dims[static_cast<std::size_t>(norm_axis(b, x.dim(), "transpose"))]);
  return permute(x, dims);
}
Variable squeeze(const Variable& x, std::optional<std::int64_t> axis) {
  return reshape(x, minidl::squeeze(x.value(), axis).shape());
}
Variable unsqueeze(const Variable& x, std::int64_t axis) {
  return reshape(x, minidl::unsqueeze(x.value(), axis).shape());
}
Variable flatten(const Variable& x, std::int64_t start_axis, std::int64_t end_axis) {
  if (x.dim() == 0) return reshape(x, {1});
  std::int64_t s = norm_axis(start_axis, x.dim(), "flatten"),
               e = norm_axis(end_axis, x.dim(), "flatten");
  MINIDL_CHECK(s <= e, "flatten: start axis ", start_axis, " after end axis ", end_axis);
  Shape out;
  std::int64_t prod = 1;
  for (std::int64_t i = 0; i < x.dim(); ++i) {
    if (i < s || i > e) {
      out.push_back(x.size(i));
    } else {
      prod *= x.size(i);
      if (i == e) out.push_back(prod);
    }
  }
  return reshape(x, out);
}
Variable broadcast_to(const Variable& x, const Shape& shape) {
  return x.shape() == shape ? x : expand(x, shape);
}
// Sum over the leading axes x has beyond `shape` and over axes where shape has size 1.
Variable sum_to(const Variable& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  auto lead = static_cast<std::int64_t>(x.dim()) - static_cast<std::int64_t>(shape.size());
  MINIDL_CHECK(lead >= 0, "sum_to: cannot fold ", shape_str(x.shape()), " to ", shape_str(shape));
  Axes axes;
  for (std::int64_t i = 0; i < x.dim(); ++i) {
    if (i < lead) {
      axes.push_back(i);
    } else {
      std::int64_t target = shape[static_cast<std::size_t>(i - lead)];
      if (target == 1 && x.size(i) != 1)
        axes.push_back(i);
      else
        MINIDL_CHECK(target == x.size(i) || target == 1, "sum_to: cannot fold ",
                     shape_str(x.shape()), " to ", shape_str(shape));
    }
  }
  return reshape(sum(x, axes, false), shape);
}
Variable narrow(const Variable& x, std::int64_t axis, std::int64_t start, std::int64_t length) {
  std::int64_t n = x.size(axis);
  std::int64_t first = start < 0 ? start + n : start;
  MINIDL_CHECK(length >= 0 && first >= 0 && first + length <= n, "narrow: start ", start,
               " and length ", length, " out of range for axis ", axis, " of size ", n);
  return slice(x, axis, first, first + length);
}
Variable stack(const std::vector<Variable>& xs, std::int64_t axis) {
  MINIDL_CHECK(!xs.empty(), "stack: no inputs");
  std::int64_t ax = norm_axis(axis, xs[0].dim() + 1, "stack");
  std::vector<Variable> us;
  us.reserve(xs.size());
  for (const auto& x : xs) us.push_back(unsqueeze(x, ax));
  return concat(us, ax);
}
std::vector<Variable> split(const Variable& x, std::int64_t size, std::int64_t axis) {
  MINIDL_CHECK(size > 0, "split: size must be positive, got ", size);
  std::int64_t n = x.size(axis);
  std::vector<Variable> out;
  for (std::int64_t s = 0; s < n; s += size)
    out.push_back(slice(x, axis, s, std::min(s + size, n)));
  return out;
}
std::vector<Variable> chunk(const Variable& x, std::int64_t n, std::int64_t axis) {
  MINIDL_CHECK(n > 0, "chunk: number of chunks must be positive, got ", n);
  std::int64_t size = (x.size(axis) + n - 1) / n;
  return split(x, std::max<std::int64_t>(size, 1), axis);
}
Variable take_along_axis(const Variable& x, const Tensor& index, std::int64_t axis) {
  return gather(x, axis, index);
}

}  // namespace minidl
