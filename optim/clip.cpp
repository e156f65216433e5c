#include "optim/clip.h"

#include <algorithm>
#include <cmath>

#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/visit_dtype.h"

namespace minidl::optim {
namespace {

// sum |g|^p (or max |g| when p is inf) of one gradient, in double.
double grad_power_sum(const Tensor& g, double p) {
  return minidl::visit_floating(g.dtype(), "clip_grad_norm_", [&](auto tag) {
    using T = decltype(tag);
    const T* x = g.data<T>();
    if (std::isinf(p)) {
      return parallel_reduce(
          g.numel(), kGrainReduce, 0.0,
          [&](std::int64_t b, std::int64_t e) {
            double m = 0;
            for (std::int64_t i = b; i < e; ++i) {
              const double a = std::fabs(static_cast<double>(x[i]));
              if (std::isnan(a)) return a;  // NaN wins, as in torch's max
              if (a > m) m = a;
            }
            return m;
          },
          [](double a, double b) { return std::isnan(a) || a > b ? a : b; });
    }
    return parallel_reduce(
        g.numel(), kGrainReduce, 0.0,
        [&](std::int64_t b, std::int64_t e) {
          double s = 0;
          if (p == 2.0) {
            for (std::int64_t i = b; i < e; ++i) s += static_cast<double>(x[i]) * x[i];
          } else if (p == 1.0) {
            for (std::int64_t i = b; i < e; ++i) s += std::fabs(static_cast<double>(x[i]));
          } else {
            for (std::int64_t i = b; i < e; ++i) s += std::pow(std::fabs(double(x[i])), p);
          }
          return s;
        },
        [](double a, double b) { return a + b; });
  });
}

double root(double s, double p) {
  if (p == 2.0) return std::sqrt(s);
  if (p == 1.0) return s;
  return std::pow(s, 1.0 / p);
}

}  // namespace

double clip_grad_norm_(const std::vector<Variable>& params, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  MINIDL_CHECK(norm_type > 0, "clip_grad_norm_: invalid norm_type ", norm_type,
               " (must be > 0, e.g. 2 or inf)");
  MINIDL_CHECK(max_norm >= 0, "clip_grad_norm_: invalid max_norm ", max_norm, " (must be >= 0)");
  std::vector<Tensor> grads;
  for (const Variable& p : params) {
    if (!p.defined()) continue;
    Variable g = p.grad();
    if (g.defined()) grads.push_back(g.value());
  }
  if (grads.empty()) return 0.0;

  // Per-parameter norms first, then the norm of those (PyTorch's order of rounding).
  double total = 0;
  const bool inf = std::isinf(norm_type);
  for (const Tensor& g : grads) {
    const double n =
        inf ? grad_power_sum(g, norm_type) : root(grad_power_sum(g, norm_type), norm_type);
    if (inf) {
      total = std::isnan(n) || n > total ? n : total;
    } else {
      total += norm_type == 2.0 ? n * n : std::pow(n, norm_type);
    }
  }
  if (!inf) total = root(total, norm_type);
  MINIDL_CHECK(!error_if_nonfinite || std::isfinite(total), "clip_grad_norm_: the total norm ",
               total, " of the gradients is non-finite, so clipping cannot be done");

  const double coef = max_norm / (total + 1e-6);
  if (!(coef < 1.0) && !std::isnan(coef)) return total;
  for (Tensor& g : grads) mul_(g, coef);
  return total;
}

void clip_grad_value_(const std::vector<Variable>& params, double clip_value) {
  MINIDL_CHECK(clip_value >= 0, "clip_grad_value_: invalid clip_value ", clip_value,
               " (must be >= 0)");
  for (const Variable& p : params) {
    if (!p.defined()) continue;
    Variable gv = p.grad();
    if (!gv.defined()) continue;
    Tensor g = gv.value();
    minidl::visit_floating(g.dtype(), "clip_grad_value_", [&](auto tag) {
      using T = decltype(tag);
      T* x = g.data<T>();
      const T hi = static_cast<T>(clip_value);
      parallel_for(g.numel(), kGrainElementwise, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t i = b; i < e; ++i) x[i] = std::clamp(x[i], -hi, hi);
      });
    });
  }
}

}  // namespace minidl::optim
