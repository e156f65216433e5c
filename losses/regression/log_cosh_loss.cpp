// log_cosh_loss: the log of the hyperbolic cosine of the error, Keras' LogCosh
// (keras.losses.LogCosh / log_cosh; PyTorch has no such loss).
//
//   d_i = x_i - y_i,   l_i = log cosh d_i = log((e^d_i + e^-d_i) / 2)
//   mean: (1/n) sum_i l_i   sum: sum_i l_i   none: l, same shape as x
//   d l_i / d x_i = tanh(d_i) = -d l_i / d y_i
//
// It behaves like d^2 / 2 near 0 and like |d| - log 2 for large |d|: a squared error for small
// residuals that turns into an absolute error (slope -> +-1) for outliers, like huber_loss with
// delta = 1, but smooth everywhere (every derivative exists; the second is 1 / cosh^2 d), so there
// is no kink and no subgradient to choose.
//
// Stability. cosh overflows for |d| > ~710, so the far form factors out e^|d|:
//   log cosh d = |d| + log1p(e^(-2|d|)) - log 2                         (used for |d| >= 1)
// Near 0 that form subtracts numbers of size log 2 to get d^2 / 2, losing about 1e-16 / d^2 of
// relative accuracy (1e-8 at d = 1e-4), and so does log(cosh d). So for |d| < 1 the identity
// cosh d - 1 = 2 sinh^2(d / 2), with sinh h = (expm1(h) - expm1(-h)) / 2, gives
//   log cosh d = log1p(0.5 (expm1(d/2) - expm1(-d/2))^2)                (used for |d| < 1)
// where nothing cancels (expm1(h) and -expm1(-h) have the same sign). This branch is smooth in d
// itself (no |d|), and sees d clamped to [-1, 1], so for huge |d| the discarded branch stays
// finite and its zero gradient through `where` stays 0 (not 0 * inf = NaN). At |d| >= 1 the far
// form's terms are of the size of the result, so it is accurate to a few ulp there.
//
// Convention: Keras computes error = y_pred - y_true and, with its default
// 'sum_over_batch_size' reduction, the mean over the last axis and then over the batch, which
// for equal shapes is the mean over all elements: our Mean. None gives the per-element loss
// (Keras' NONE gives the per-sample mean over the last axis).
// Shapes: input and target any equal shape, floating point.
#include <cmath>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/regression.h"
#include "tensor/ops.h"

namespace minidl::losses {

Variable log_cosh_loss(const Variable& input, const Variable& target,
                       const LogCoshLossOptions& options) {
  constexpr const char* kOp = "log_cosh_loss";
  check_floating(kOp, "input", input);
  check_floating(kOp, "target", target);
  check_same_shape(kOp, "input", input, "target", target);
  check_not_empty(kOp, "input", input);
  constexpr double kSwitch = 1.0;  // |d| below: the expm1 form; at or above: the far form
  const Variable d = input - target;
  const Variable a = abs(d);
  const Variable h = 0.5 * clamp(d, -kSwitch, kSwitch);
  const Variable near = log1p(0.5 * square(expm1(h) - expm1(-h)));
  const Variable far = a + log1p(exp(-2.0 * a)) - std::log(2.0);
  return reduce(where(lt(a.value(), kSwitch), near, far), options.reduction, kOp);
}

}  // namespace minidl::losses
