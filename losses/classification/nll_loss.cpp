// nll_loss: the negative log-likelihood of class indices, torch.nn.functional.nll_loss.
//
// The input x holds log-probabilities (a model ending in log_softmax); nll_loss does not
// normalise it. With class weights w (all 1 when absent) and items m (rows of the flattened
// target, see class_target_util.h):
//   l_m = -w_{y_m} x_{m, y_m}     if y_m != ignore_index, else 0
//   none: l, shaped like the target        sum: sum_m l_m
//   mean: sum_m l_m / sum_m w_{y_m}        (over the items not ignored: PyTorch's weighted mean,
//                                           which is not sum / N once there are weights)
//   d l_m / d x_{m, c} = -w_{y_m} [c == y_m]; the rest of the row and ignored items get 0.
// A batch whose total weight is 0 (every target ignored) has mean 0 and a zero gradient
// (PyTorch: NaN, from 0/0). Nothing here needs stabilising (there is no log); an ignored item is
// masked rather than multiplied by 0, so a -inf log-probability there gives 0, not NaN.
// The weight is differentiable here (PyTorch refuses a weight that requires grad).
//
// Shapes: input [N, C] / [N, C, d1, ..., dK] / [C]; target int64 [N] / [N, d1, ..., dK] / 0-d.
#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/classification.h"
#include "losses/classification/class_target_util.h"

namespace minidl::losses {

Variable nll_loss(const Variable& input, const Variable& target, const NllLossOptions& options) {
  constexpr const char* kOp = "nll_loss";
  check_floating(kOp, "input", input);
  check_not_empty(kOp, "input", input);
  const Variable rows = detail::class_rows(kOp, input);
  const Variable weight = detail::class_weight(kOp, options.weight, rows.size(1), input.dtype());
  const detail::ClassTargets t =
      detail::class_targets(kOp, input, target, weight, options.ignore_index);
  const Variable picked = reshape(gather(rows, 1, t.index), {rows.size(0)});
  return detail::reduce_weighted(kOp, -detail::weighted_items(t, picked), t.item_weight,
                                 options.reduction, t.shape);
}

}  // namespace minidl::losses
