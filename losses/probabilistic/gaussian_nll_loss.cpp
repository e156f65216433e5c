// gaussian_nll_loss: the negative log-likelihood of y under N(mu, sigma^2) with a predicted
// variance, torch.nn.functional.gaussian_nll_loss.
//
//   -log N(y | mu, s) = 0.5 (log s + (y - mu)^2 / s) + 0.5 log(2 pi)
//   l = 0.5 (log v + (x - y)^2 / v)  [+ 0.5 log(2 pi) when full],   v = max(var, eps)
// x = input (the predicted mean mu), y = target, var = the predicted variance s. Minimising it
// over s gives s = (x - y)^2: the model learns its own error size (heteroscedastic regression).
// var is input-shaped (one variance per element), or input's shape without its last axis, or
// that with a last axis of 1: one variance per row shared by its D outputs (homoscedastic over
// D). A negative var is an error; var = 0 is allowed and clamped.
// The clamp at eps, as PyTorch does it (an in-place clamp under no_grad on a clone), changes the
// value but not the gradient: autograd sees v = var, so below eps
//   d l / d var = 0.5 (1 / eps - (x - y)^2 / eps^2)        (straight through, not 0)
// which keeps pushing a collapsed variance back up instead of freezing it. Here
// v = (var - detach(var)) + eps where var < eps, and var elsewhere: the same value bit for bit
// and an identity gradient. Everywhere:
//   d l / d x = (x - y) / v = -d l / d y,   d l / d var = 0.5 (1 / v - (x - y)^2 / v^2)
// (a shared variance sums the gradients of its row).
// Stability: eps bounds 1 / v by 1 / eps; predict var through softplus or exp of an output.
// Reductions: mean over all elements of the input-shaped loss, sum, none.
//
// Shapes: input and target any equal shape, floating point; var as above.
#include <cmath>
#include <numbers>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/probabilistic.h"
#include "tensor/ops.h"

namespace minidl::losses {
namespace {

constexpr const char* kOp = "gaussian_nll_loss";

// var reshaped to broadcast against input, by PyTorch's three accepted shapes.
Variable broadcastable_var(const Variable& input, const Variable& var) {
  const Shape& in = input.shape();
  const Shape& v = var.shape();
  if (v == in) return var;
  if (!in.empty()) {
    const Shape in_rows(in.begin(), in.end() - 1);
    if (v == in_rows) return unsqueeze(var, -1);
    if (!v.empty() && v.back() == 1 && Shape(v.begin(), v.end() - 1) == in_rows) return var;
  }
  MINIDL_FAIL(kOp, ": var ", shape_str(v), " must have input's shape ", shape_str(in),
              ", that shape without its last axis, or that shape with a last axis of 1");
}

}  // namespace

Variable gaussian_nll_loss(const Variable& input, const Variable& target, const Variable& var,
                           const GaussianNllLossOptions& options) {
  check_floating(kOp, "input", input);
  check_floating(kOp, "target", target);
  check_floating(kOp, "var", var);
  check_same_shape(kOp, "input", input, "target", target);
  check_not_empty(kOp, "input", input);
  const Variable v0 = broadcastable_var(input, var);
  const Tensor v64 = v0.value().to(DType::kFloat64);
  for (std::int64_t i = 0; i < v64.numel(); ++i)
    MINIDL_CHECK(!(v64.data<double>()[i] < 0), kOp, ": var must be >= 0, got ",
                 v64.data<double>()[i], " at position ", i);
  // The clamp with an identity gradient (see above): (var - var) is exactly 0 for finite var.
  const Tensor small = lt(v0.value(), options.eps);
  const Variable v = where(small, (v0 - Variable(v0.value())) + scalar_like(v0, options.eps), v0);
  Variable loss = 0.5 * (log(v) + square(input - target) / v);
  if (options.full) loss = loss + 0.5 * std::log(2.0 * std::numbers::pi);
  return reduce(loss, options.reduction, kOp);
}

}  // namespace minidl::losses
