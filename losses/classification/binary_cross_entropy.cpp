// binary_cross_entropy: the cross entropy of probabilities,
// torch.nn.functional.binary_cross_entropy.
//
// For an input probability x in [0, 1], a target y (usually 0 or 1, any real accepted) and an
// optional weight w broadcast to x's shape:
//   l = -w [y max(log x, -100) + (1 - y) max(log(1 - x), -100)]
//   none: l     mean: sum l / numel     sum: sum l
// The clamp at -100 is PyTorch's: it keeps the loss finite at x = 0 or 1 (100 where the model is
// certain and wrong, 0 where it is certain and right: the 0 log 0 term is 0, not NaN).
//
// Gradient, exactly as PyTorch 1.13 computes it (binary_cross_entropy_backward), which is not the
// derivative of the clamped loss near 0 and 1:
//   d l / d x = w (x - y) / max(x (1 - x), 1e-12)
// In the interior, x (1 - x) >= 1e-12, this is the true derivative -w [y / x - (1 - y) / (1 - x)]
// and is computed as such (so second derivatives there are exact too). Outside it (x below about
// 1e-12 or within 1e-12 of 1) the denominator is capped at 1e-12 (PyTorch's float constant,
// 9.99999996e-13 exactly), so the gradient is large but finite, e.g. about -1e12 at x = 0, y = 1
// and 0 at x = 0, y = 0. That piece is a surrogate: the value comes from the clamped logs and
// the gradient from the capped formula (its second derivative is 0).
//   d l / d y = w [max(log(1 - x), -100) - max(log x, -100)]
// the derivative of the clamped loss. PyTorch's target gradient is unclamped, log(1 - x) - log x;
// the two differ only where a clamp is active, x < e^-100 (about 3.7e-44) or x = 1, where
// PyTorch gives +-inf and minidl +-100 (finite, consistent with the finite loss).
// log(1 - x) is computed as log1p(-x), more accurate than PyTorch's log(1 - x) for small x
// (the difference is about 1e-16 absolute). The weight is differentiable here (not in PyTorch).
// An input outside [0, 1] (or NaN) is an error, as in PyTorch; for logits use
// binary_cross_entropy_with_logits, which is also the stabler choice.
//
// Shapes: input and target of one shape (any); weight broadcasts to it.
#include <optional>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/classification.h"
#include "losses/classification/class_target_util.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace minidl::losses {
namespace {

constexpr const char* kOp = "binary_cross_entropy";
// PyTorch's EPSILON of binary_cross_entropy_backward is a float: 1e-12f = 9.99999996e-13.
constexpr double kEps = static_cast<double>(1e-12f);
constexpr double kLogMin = -100;  // PyTorch's clamp of both logs

void check_probabilities(const Variable& input) {
  const Tensor x = input.value().to(kFloat64);
  const double* p = x.data<double>();
  for (std::int64_t i = 0; i < x.numel(); ++i)
    MINIDL_CHECK(p[i] >= 0.0 && p[i] <= 1.0, kOp, ": input must hold probabilities in [0, 1], got ",
                 p[i], " at position ", i, " (use binary_cross_entropy_with_logits for logits)");
}

}  // namespace

Variable binary_cross_entropy(const Variable& input, const Variable& target,
                              const BinaryCrossEntropyOptions& options) {
  check_floating(kOp, "input", input);
  check_floating(kOp, "target", target);
  check_same_shape(kOp, "input", input, "target", target);
  check_not_empty(kOp, "input", input);
  check_probabilities(input);
  const Variable& x = input;
  const Variable& y = target;
  const Tensor xv = x.value();
  const Tensor interior = ge(mul(xv, neg(sub(xv, 1.0))), kEps);

  // Interior: the plain formula, evaluated at a safe point elsewhere so that no log(0) reaches
  // the backward (where() passes a zero gradient there, and 0 * inf would be NaN).
  const Variable xs = where(interior, x, scalar_like(x, 0.5));
  Variable loss = -(y * log(xs) + (1.0 - y) * log1p(-xs));
  if (sum(interior).item() < static_cast<double>(xv.numel())) {
    // Near 0 and 1: the clamped logs as constants give the value and the target gradient; the
    // term g (x - stop(x)) is 0 in value and contributes g = (x - y) / 1e-12 to d l / d x.
    const Variable log_x(clamp(log(xv), kLogMin, std::nullopt));
    const Variable log_1mx(clamp(log1p(neg(xv)), kLogMin, std::nullopt));
    const Variable g(div(sub(xv, y.value().to(xv.dtype())), kEps));
    const Variable edge = -(y * log_x + (1.0 - y) * log_1mx) + g * (x - x.detach());
    loss = where(interior, loss, edge);
  }
  if (options.weight.defined()) {
    check_floating(kOp, "weight", options.weight);
    detail::check_broadcasts_to(kOp, "weight", options.weight, x.shape());
    loss = loss * options.weight;
  }
  return reduce(loss, options.reduction, kOp);
}

}  // namespace minidl::losses
