// multilabel_soft_margin_loss: one logistic loss per class, averaged over the classes
// (torch.nn.functional.multilabel_soft_margin_loss).
//
// For a sample with scores x [C], targets y [C] in [0, 1] and class weights w (all 1 by default):
//   l = -(1/C) sum_i w_i [y_i log sigmoid(x_i) + (1 - y_i) log sigmoid(-x_i)]
//   none: l per sample   mean: mean over samples   sum: sum over samples
//   d l / d x_i = w_i (sigmoid(x_i) - y_i) / C
//   d l / d y_i = -w_i x_i / C                    (targets may be soft and may require grad)
//   d l / d w_i = l_i / w_i, the class's unweighted term
// It is binary_cross_entropy_with_logits per class, summed over classes and divided by C (so the
// value does not grow with the number of labels), one value per sample.
//
// Stability: log sigmoid(x) = -softplus(-x) with softplus(z) = max(z, 0) + log1p(exp(-|z|)):
// finite for scores of +-1e4. The max is taken with a tie split in half at z = 0, so the gradient
// there is exactly sigmoid(0) = 1/2 (the relu form would give 0 at that single point).
//
// Convention: PyTorch's, with the class axis last (input [..., C], the loss per sample [...]).
// The targets must lie in [0, 1] (PyTorch accepts anything; a -1/+1 target there is a common
// mistake that silently trains on nonsense), and the weight must be [C].
//
// Shapes: input and target [..., C] (usually [N, C]), floating point; weight [C].
#include <cmath>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/classification_margin.h"
#include "tensor/error.h"

namespace minidl::losses {
Variable multilabel_soft_margin_loss(const Variable& input, const Variable& target,
                                     const MultilabelSoftMarginLossOptions& options) {
  constexpr const char* kOp = "multilabel_soft_margin_loss";
  check_floating(kOp, "input", input);
  check_floating(kOp, "target", target);
  MINIDL_CHECK(input.dim() >= 1, kOp, ": input must be [..., C], got a scalar");
  check_same_shape(kOp, "input", input, "target", target);
  check_not_empty(kOp, "input", input);
  const std::int64_t c = input.size(-1);
  const std::vector<double> y = target.value().to_vector();
  for (std::size_t i = 0; i < y.size(); ++i)
    MINIDL_CHECK(y[i] >= 0.0 && y[i] <= 1.0, kOp, ": target must lie in [0, 1], got ", y[i],
                 " at position ", i);
  if (options.weight.defined()) {
    check_floating(kOp, "weight", options.weight);
    MINIDL_CHECK(options.weight.shape() == Shape{c}, kOp, ": weight must be [C] = [", c, "], got ",
                 shape_str(options.weight.shape()));
  }

  Variable l = -(target * log_sigmoid(input) + (1.0 - target) * log_sigmoid(-input));
  if (options.weight.defined()) l = l * options.weight;
  const Variable per_sample = sum(l, {input.dim() - 1}) / static_cast<double>(c);
  return reduce(per_sample, options.reduction, kOp);
}

}  // namespace minidl::losses
