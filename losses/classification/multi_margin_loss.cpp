// multi_margin_loss: the multiclass hinge loss (torch.nn.functional.multi_margin_loss).
//
// For a sample with scores x [C], class y and class weights w (all 1 by default):
//   l = (1/C) sum_{i != y} w_y max(0, margin - x_y + x_i)^p,      p in {1, 2}
//   none: l per sample [N]   mean: (1/N) sum_n l_n   sum: sum_n l_n
// Every wrong class i whose score comes within `margin` of the true score pays; this is the
// Weston-Watkins multiclass SVM (1999) with the sum over classes divided by C. Its gradient, with
// z_i = margin - x_y + x_i and a_i = [z_i > 0] (p = 1) or 2 z_i [z_i > 0] (p = 2):
//   d l / d x_i = w_y a_i / C  (i != y),     d l / d x_y = -w_y sum_{i != y} a_i / C
//   d l / d w_y = sum_{i != y} max(0, z_i)^p / C
//
// The kink: at z_i = 0 exactly the subgradient taken is 0, as PyTorch's kernel (it tests z > 0).
// For p = 2 the loss is differentiable there anyway.
//
// Convention: PyTorch's implementation, which multiplies w_y *outside* the power: for p = 2 it
// is w_y max(0, z)^2, not (w_y max(0, z))^2 as its documentation's formula reads (the two agree
// for p = 1 and non-negative weights; a negative weight gives a negative loss in both). The sum
// over classes is divided by C, including the true class that never pays, and 'mean' divides by
// N (not by the sum of the weights, unlike cross_entropy). Unlike PyTorch (which refuses it) the
// weight may require grad; its gradient is the one above.
//
// Shapes: input [N, C] with target int64 [N], or input [C] with a target of one element ([] or
// [1]; 'none' then has the target's shape); weight [C].
#include <limits>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/classification_margin.h"
#include "tensor/error.h"

namespace minidl::losses {

Variable multi_margin_loss(const Variable& input, const Variable& target,
                           const MultiMarginLossOptions& options) {
  constexpr const char* kOp = "multi_margin_loss";
  check_floating(kOp, "input", input);
  check_int64(kOp, "target", target);
  MINIDL_CHECK(options.p == 1 || options.p == 2, kOp, ": p must be 1 or 2, got ", options.p);
  MINIDL_CHECK(input.dim() == 1 || input.dim() == 2, kOp,
               ": input must be [N, C] or [C], got shape ", shape_str(input.shape()));
  check_not_empty(kOp, "input", input);
  const bool single = input.dim() == 1;
  const std::int64_t n = single ? 1 : input.size(0), c = input.size(-1);
  if (single) {
    MINIDL_CHECK(
        target.dim() <= 1 && target.numel() == 1, kOp, ": input ", shape_str(input.shape()),
        " is one sample, so target must be one index, got shape ", shape_str(target.shape()));
  } else {
    MINIDL_CHECK(target.shape() == Shape{n}, kOp, ": target must be [N] = [", n, "] for input ",
                 shape_str(input.shape()), ", got ", shape_str(target.shape()));
  }
  check_labels(kOp, target.value(), c, std::numeric_limits<std::int64_t>::min());
  if (options.weight.defined()) {
    check_floating(kOp, "weight", options.weight);
    MINIDL_CHECK(options.weight.shape() == Shape{c}, kOp, ": weight must be [C] = [", c, "], got ",
                 shape_str(options.weight.shape()));
  }

  const Variable x = single ? reshape(input, {1, c}) : input;
  const Tensor y = target.value().reshape({n, 1});
  // z[n, i] = margin - x[n, y_n] + x[n, i], in PyTorch's order of operations.
  const Variable z = (options.margin - gather(x, 1, y)) + x;
  Variable h = relu(z);
  if (options.p == 2) h = square(h);
  if (options.weight.defined())
    h = h * reshape(index_select(options.weight, 0, y.reshape({n})), {n, 1});
  // The true class never pays: its z is just `margin`, so mask it out.
  Tensor other = ones({n, c}, kInt64);
  for (std::int64_t i = 0; i < n; ++i)
    other.data<std::int64_t>()[i * c + y.data<std::int64_t>()[i]] = 0;
  Variable per_sample = sum(where(other, h, scalar_like(h, 0.0)), {1}) / static_cast<double>(c);
  if (single) per_sample = reshape(per_sample, target.shape());
  return reduce(per_sample, options.reduction, kOp);
}

}  // namespace minidl::losses
