// cross_entropy: softmax cross entropy of logits, torch.nn.functional.cross_entropy.
//
// log p = log_softmax(x) over the class axis (stable: the row max is subtracted before exp).
// Class-index targets y, class weights w (all 1 when absent), label smoothing e, C classes,
// items m of the flattened target (class_target_util.h):
//   nll_m    = -w_{y_m} log p_{m, y_m}
//   smooth_m = -sum_c w_c log p_{m, c}                (weighted by each class's own w_c)
//   l_m      = (1 - e) nll_m + (e / C) smooth_m         and l_m = 0 where y_m = ignore_index
//   none: l shaped like the target    sum: sum_m l_m
//   mean: sum_m l_m / sum_m w_{y_m} over the items not ignored: one denominator for both terms,
//         PyTorch 1.13's exact formula (cross_entropy_loss_label_smoothing), so the smoothing
//         term too is divided by the target weights, not by N.
//   This is the cross entropy against the smoothed target q = (1 - e) onehot(y) + e / C, with
//   w_{y_m} on the one-hot part and w_c on the uniform part.
//   d l_m / d x_{m, c} = (1 - e) w_{y_m} (p_c - [c == y_m]) + (e / C) (W p_c - w_c),
//   W = sum_c w_c; ignored items get 0.
// Probability targets t of input's shape (floating point; an ignore_index other than the
// default -100 is an error, as in PyTorch):
//   t' = (1 - e) t + e / C,  l_m = -sum_c w_c t'_{m, c} log p_{m, c}
//   none: [N, d1, ..., dK]   sum   mean: sum_m l_m / M with M = N d1 ... dK (not weighted)
//   d l_m / d x_{m, c} = p_c sum_k w_k t'_k - w_c t'_c
//   d l_m / d t_{m, c} = -(1 - e) w_c log p_c
// A batch whose total weight is 0 (every target ignored) has mean 0 and a zero gradient
// (PyTorch: NaN, 0/0). An ignored item is masked, not multiplied by 0, so -inf logits (masked
// classes) never make NaN there. The weight is differentiable here (PyTorch's is not, for
// class-index targets).
//
// Shapes: input [N, C] / [N, C, d1, ..., dK] / [C]; target int64 [N] / [N, d1, ..., dK] / 0-d,
// or floating of input's shape; weight [C].
#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/classification.h"
#include "losses/classification/class_target_util.h"
#include "tensor/error.h"

namespace minidl::losses {
namespace {

constexpr const char* kOp = "cross_entropy";

Variable probability_targets(const Variable& input, const Variable& log_p, const Variable& target,
                             const Variable& weight_row, const CrossEntropyOptions& options) {
  check_floating(kOp, "target", target);
  MINIDL_CHECK(target.shape() == input.shape(), kOp,
               ": a floating-point target holds class probabilities and must have input's shape ",
               shape_str(input.shape()), ", got ", shape_str(target.shape()),
               " (class indices must be int64)");
  MINIDL_CHECK(options.ignore_index == -100, kOp,
               ": ignore_index is not supported for probability targets, got ",
               options.ignore_index);
  const std::int64_t classes = log_p.size(1);
  Variable t = detail::class_rows(kOp, target);
  if (t.dtype() != input.dtype()) t = to(t, input.dtype());
  const double e = options.label_smoothing;
  if (e > 0) t = t * (1.0 - e) + e / static_cast<double>(classes);
  Variable terms = log_p * t;
  if (weight_row.defined()) terms = terms * weight_row;
  const Variable loss = -sum(terms, {1});  // [M]
  if (options.reduction != Reduction::None) return reduce(loss, options.reduction, kOp);
  Shape shape = input.shape();
  if (input.dim() >= 2) {
    shape.erase(shape.begin() + 1);
  } else {
    shape.clear();
  }
  return reshape(loss, shape);
}

}  // namespace

Variable cross_entropy(const Variable& input, const Variable& target,
                       const CrossEntropyOptions& options) {
  check_floating(kOp, "input", input);
  check_not_empty(kOp, "input", input);
  MINIDL_CHECK(target.defined(), kOp, ": target is undefined");
  const double e = options.label_smoothing;
  MINIDL_CHECK(e >= 0.0 && e <= 1.0, kOp, ": label_smoothing must be in [0, 1], got ", e);
  const Variable rows = detail::class_rows(kOp, input);
  const std::int64_t classes = rows.size(1);
  const Variable weight = detail::class_weight(kOp, options.weight, classes, input.dtype());
  const Variable weight_row = weight.defined() ? reshape(weight, {1, classes}) : Variable();
  const Variable log_p = log_softmax(rows, 1);
  if (target.dtype() != kInt64)
    return probability_targets(input, log_p, target, weight_row, options);

  const detail::ClassTargets t =
      detail::class_targets(kOp, input, target, weight, options.ignore_index);
  Variable loss = -detail::weighted_items(t, reshape(gather(log_p, 1, t.index), {rows.size(0)}));
  if (e > 0) {
    const Variable all = sum(weight_row.defined() ? log_p * weight_row : log_p, {1});
    const Variable smooth = -where(t.kept, all, scalar_like(all, 0.0));
    loss = loss * (1.0 - e) + smooth * (e / static_cast<double>(classes));
  }
  return detail::reduce_weighted(kOp, loss, t.item_weight, options.reduction, t.shape);
}

}  // namespace minidl::losses
