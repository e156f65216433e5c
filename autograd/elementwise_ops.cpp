// Elementwise primitives. Notation: g = dL/d(out), the gradient arriving from above; each backward
// returns dL/d(input) per input, folded to the input's shape when the op broadcast it.
#include <cmath>

#include "autograd/op_util.h"

namespace minidl {

using detail::fold;
using detail::Grads;
using detail::Inputs;

// add: out = a + b.  da = g, db = g.
Variable add(const Variable& a0, const Variable& b0) {
  const detail::OpTimer timer;
  auto [a, b] = detail::promoted(a0, b0);
  return record("add", minidl::add(a.value(), b.value()), {a, b},
                [](const Inputs& in, const Variable&, const Variable& g) {
                  return Grads{fold(g, in[0]), fold(g, in[1])};
                });
}

// sub: out = a - b.  da = g, db = -g.
Variable sub(const Variable& a0, const Variable& b0) {
  const detail::OpTimer timer;
  auto [a, b] = detail::promoted(a0, b0);
  return record(
      "sub", minidl::sub(a.value(), b.value()), {a, b},
      [](const Inputs& in, const Variable&, const Variable& g) {
        return Grads{fold(g, in[0]), in[1].requires_grad() ? fold(neg(g), in[1]) : Variable()};
      });
}

// mul: out = a * b.  da = g * b, db = g * a.
Variable mul(const Variable& a0, const Variable& b0) {
  const detail::OpTimer timer;
  auto [a, b] = detail::promoted(a0, b0);
  return record("mul", minidl::mul(a.value(), b.value()), {a, b},
                [](const Inputs& in, const Variable&, const Variable& g) {
                  return Grads{in[0].requires_grad() ? fold(mul(g, in[1]), in[0]) : Variable(),
                               in[1].requires_grad() ? fold(mul(g, in[0]), in[1]) : Variable()};
                });
}

// div: out = a / b.  da = g / b, db = -g * a / b^2 = -g * out / b.
Variable div(const Variable& a0, const Variable& b0) {
  const detail::OpTimer timer;
  auto [a, b] = detail::promoted(a0, b0);
  return record("div", minidl::div(a.value(), b.value()), {a, b},
                [](const Inputs& in, const Variable& out, const Variable& g) {
                  Variable da, db;
                  if (in[0].requires_grad()) da = fold(div(g, in[1]), in[0]);
                  if (in[1].requires_grad()) db = fold(neg(div(mul(g, out), in[1])), in[1]);
                  return Grads{da, db};
                });
}

// pow: out = a^b.  da = g * b * a^(b-1) (0 where b = 0);  db = g * out * log(a), taken as 0 where a
// = 0 and b >= 0 (the limit of a^b log a for b > 0, and PyTorch's choice) so a zero base does not
// poison db with NaN.
Variable pow(const Variable& a0, const Variable& b0) {
  const detail::OpTimer timer;
  auto [a, b] = detail::promoted(a0, b0);
  return record("pow", minidl::pow(a.value(), b.value()), {a, b},
                [](const Inputs& in, const Variable& out, const Variable& g) {
                  Variable da, db;
                  if (in[0].requires_grad()) {
                    // b a^(b-1) is 0 * inf at a = 0, b = 0; the limit (and PyTorch's value) is 0.
                    Tensor zero_exp = minidl::eq(in[1].value(), 0.0);
                    Variable d = mul(in[1], pow(in[0], sub(in[1], 1.0)));
                    da = fold(mul(g, where(zero_exp, scalar_like(d, 0.0), d)), in[0]);
                  }
                  if (in[1].requires_grad()) {
                    // Only where b >= 0: a negative power of 0 is inf and keeps inf * log 0.
                    Tensor zero_base =
                        minidl::mul(minidl::eq(in[0].value(), 0.0), minidl::ge(in[1].value(), 0.0));
                    Variable safe_a = where(zero_base, scalar_like(in[0], 1.0), in[0]);
                    db = fold(mul(mul(g, out), log(safe_a)), in[1]);
                  }
                  return Grads{da, db};
                });
}

// add_scalar: out = x + s.  dx = g.
Variable add_scalar(const Variable& x, double s) {
  const detail::OpTimer timer;
  return annotate_scalar(
      record("add_scalar", minidl::add(x.value(), s), {x},
             [](const Inputs&, const Variable&, const Variable& g) { return Grads{g}; }),
      s);
}

// mul_scalar: out = x * s.  dx = g * s.
Variable mul_scalar(const Variable& x, double s) {
  const detail::OpTimer timer;
  return annotate_scalar(record("mul_scalar", minidl::mul(x.value(), s), {x},
                                [s](const Inputs&, const Variable&, const Variable& g) {
                                  return Grads{mul_scalar(g, s)};
                                }),
                         s);
}

// neg: out = -x.  dx = -g.
Variable neg(const Variable& x) {
  const detail::OpTimer timer;
  return record("neg", minidl::neg(x.value()), {x},
                [](const Inputs&, const Variable&, const Variable& g) { return Grads{neg(g)}; });
}

// exp: out = e^x.  dx = g * out.
Variable exp(const Variable& x) {
  const detail::OpTimer timer;
  return record(
      "exp", minidl::exp(x.value()), {x},
      [](const Inputs&, const Variable& out, const Variable& g) { return Grads{mul(g, out)}; });
}

// log: out = ln x.  dx = g / x.
Variable log(const Variable& x) {
  const detail::OpTimer timer;
  return record(
      "log", minidl::log(x.value()), {x},
      [](const Inputs& in, const Variable&, const Variable& g) { return Grads{div(g, in[0])}; });
}

// log1p: out = ln(1 + x), accurate for small x.  dx = g / (1 + x).
Variable log1p(const Variable& x) {
  const detail::OpTimer timer;
  return record("log1p", minidl::log1p(x.value()), {x},
                [](const Inputs& in, const Variable&, const Variable& g) {
                  return Grads{div(g, add(in[0], 1.0))};
                });
}

// expm1: out = e^x - 1, accurate for small x.  dx = g * (out + 1).
Variable expm1(const Variable& x) {
  const detail::OpTimer timer;
  return record("expm1", minidl::expm1(x.value()), {x},
                [](const Inputs&, const Variable& out, const Variable& g) {
                  return Grads{mul(g, add(out, 1.0))};
                });
}

// sqrt: out = x^(1/2).  dx = g / (2 out)  (inf at x = 0, as in PyTorch).
Variable sqrt(const Variable& x) {
  const detail::OpTimer timer;
  return record("sqrt", minidl::sqrt(x.value()), {x},
                [](const Inputs&, const Variable& out, const Variable& g) {
                  return Grads{div(g, mul(out, 2.0))};
                });
}

// erf: out = 2/sqrt(pi) int_0^x e^{-t^2} dt.  dx = g 2/sqrt(pi) e^{-x^2}.
Variable erf(const Variable& x) {
  const detail::OpTimer timer;
  return record("erf", minidl::erf(x.value()), {x},
                [](const Inputs& in, const Variable&, const Variable& g) {
                  constexpr double kTwoOverSqrtPi = 1.1283791670955126;
                  return Grads{mul(g, mul(exp(neg(mul(in[0], in[0]))), kTwoOverSqrtPi))};
                });
}

// atan: out = arctan x in (-pi/2, pi/2).  dx = g / (1 + x^2) (CIoU's aspect-ratio term).
Variable atan(const Variable& x) {
  const detail::OpTimer timer;
  return record("atan", minidl::atan(x.value()), {x},
                [](const Inputs& in, const Variable&, const Variable& g) {
                  return Grads{div(g, add_scalar(mul(in[0], in[0]), 1.0))};
                });
}

// sin: dx = g cos x.
Variable sin(const Variable& x) {
  const detail::OpTimer timer;
  return record("sin", minidl::sin(x.value()), {x},
                [](const Inputs& in, const Variable&, const Variable& g) {
                  return Grads{mul(g, cos(in[0]))};
                });
}

// cos: dx = -g sin x.
Variable cos(const Variable& x) {
  const detail::OpTimer timer;
  return record("cos", minidl::cos(x.value()), {x},
                [](const Inputs& in, const Variable&, const Variable& g) {
                  return Grads{neg(mul(g, sin(in[0])))};
                });
}

// tanh: dx = g (1 - out^2).
Variable tanh(const Variable& x) {
  const detail::OpTimer timer;
  return record("tanh", minidl::tanh(x.value()), {x},
                [](const Inputs&, const Variable& out, const Variable& g) {
                  return Grads{mul(g, sub(1.0, mul(out, out)))};
                });
}

// sigmoid: out = 1 / (1 + e^-x).  dx = g out (1 - out).
Variable sigmoid(const Variable& x) {
  const detail::OpTimer timer;
  return record("sigmoid", minidl::sigmoid(x.value()), {x},
                [](const Inputs&, const Variable& out, const Variable& g) {
                  return Grads{mul(g, mul(out, sub(1.0, out)))};
                });
}

// softplus: out = max(x, 0) + log1p(exp(-|x|)).  dx = g sigmoid(x) (differentiable again).
// One node and one pass each way; it was composed of where, neg, exp, log1p and add (eight nodes
// per call, most of a GAN loss's cost on [256, 1] logits; docs/benchmarks.md, "Ring GAN
// overhead").
Variable softplus(const Variable& x) {
  const detail::OpTimer timer;
  return record("softplus", minidl::softplus(x.value()), {x},
                [](const Inputs& in, const Variable&, const Variable& g) {
                  return Grads{mul(g, sigmoid(in[0]))};
                });
}

// relu: out = max(x, 0).  dx = g [out != 0], i.e. g where x > 0; the subgradient at 0 is 0 and a
// NaN input passes g through (both PyTorch's threshold_backward). Masking with the output itself
// is one pass with no mask tensor (where's flat path), not a comparison then a multiply.
Variable relu(const Variable& x) {
  const detail::OpTimer timer;
  return record("relu", minidl::relu(x.value()), {x},
                [](const Inputs&, const Variable& out, const Variable& g) {
                  if (grad_enabled()) return Grads{where(out.value(), g, scalar_like(g, 0.0))};
                  return Grads{Variable(minidl::relu_backward(g.value(), out.value()))};
                });
}

// leaky_relu: out = x if x > 0 else slope x.  dx = g if x > 0 else slope g (PyTorch's
// leaky_relu_backward: slope at 0). One pass each way; it was where(x > 0, x, slope x), whose
// forward made a mask, a product and a blend and whose backward five passes. Under create_graph
// the backward is the same blend of differentiable ops (x enters only through the mask).
Variable leaky_relu(const Variable& x, double negative_slope) {
  const detail::OpTimer timer;
  auto backward = [negative_slope](const Inputs& in, const Variable&, const Variable& g) {
    if (grad_enabled())
      return Grads{where(minidl::gt(in[0].value(), 0.0), g, mul(g, negative_slope))};
    return Grads{Variable(minidl::leaky_relu_backward(g.value(), in[0].value(), negative_slope))};
  };
  return annotate(
      record("leaky_relu", minidl::leaky_relu(x.value(), negative_slope), {x}, backward),
      [&] { return "negative_slope=" + detail::number_str(negative_slope); });
}

// abs: dx = g sign(x); the subgradient at 0 is 0.
Variable abs(const Variable& x) {
  const detail::OpTimer timer;
  return record("abs", minidl::abs(x.value()), {x},
                [](const Inputs& in, const Variable&, const Variable& g) {
                  return Grads{mul(g, detail::constant(minidl::sign(in[0].value())))};
                });
}

// where: out = cond ? a : b (cond a constant mask).  da = g [cond], db = g [!cond].
Variable where(const Tensor& cond, const Variable& a0, const Variable& b0) {
  const detail::OpTimer timer;
  auto [a, b] = detail::promoted(a0, b0);
  return record("where", minidl::where(cond, a.value(), b.value()), {a, b},
                [cond](const Inputs& in, const Variable&, const Variable& g) {
                  Variable zero = scalar_like(g, 0.0);
                  Variable da, db;
                  if (in[0].requires_grad()) da = fold(where(cond, g, zero), in[0]);
                  if (in[1].requires_grad()) db = fold(where(cond, zero, g), in[1]);
                  return Grads{da, db};
                });
}

// clamp: out = min(max(x, lo), hi).  dx = g [lo <= x <= hi] (bounds inclusive, as in PyTorch).
Variable clamp(const Variable& x, std::optional<double> lo, std::optional<double> hi) {
  const detail::OpTimer timer;
  return annotate(record("clamp", minidl::clamp(x.value(), lo, hi), {x},
                         [lo, hi](const Inputs& in, const Variable&, const Variable& g) {
                           Tensor mask = ones_like(in[0].value());
                           if (lo) mask = minidl::mul(mask, minidl::ge(in[0].value(), *lo));
                           if (hi) mask = minidl::mul(mask, minidl::le(in[0].value(), *hi));
                           return Grads{mul(g, detail::constant(mask))};
                         }),
                  [&] { return detail::clamp_attrs(lo, hi); });
}

// to: out = x converted to dtype.  dx = g converted back to x's dtype.
Variable to(const Variable& x, DType dtype) {
  const detail::OpTimer timer;
  if (x.dtype() == dtype) return x;
  MINIDL_CHECK(!x.requires_grad() || is_floating(dtype),
               "to: cannot convert a variable that requires grad to ", dtype_name(dtype));
  return record("to", x.value().to(dtype), {x},
                [](const Inputs& in, const Variable&, const Variable& g) {
                  return Grads{to(g, in[0].dtype())};
                });
}

}  // namespace minidl
