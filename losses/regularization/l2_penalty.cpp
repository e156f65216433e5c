// l2_penalty: the L2 (ridge, Tikhonov) weight penalty, Keras' keras.regularizers.L2.
//
//   P = l2 * sum_k sum_i w_k,i^2          over every parameter tensor w_k given (no 1/2 factor)
//   dP / dw = 2 l2 w
//
// Relation to optimizer weight decay (optim/optimizer.h): PyTorch-style coupled weight_decay = wd
// adds wd * w to the gradient, so it is this penalty with l2 = wd / 2 (the penalty (wd/2) ||w||^2).
// Adding l2_penalty(params, {.l2 = wd / 2}) to the loss and using weight_decay = wd give the same
// updates for SGD and for Adam's coupled decay; AdamW's decoupled decay (w <- w - lr wd w outside
// the adaptive scaling) is not a loss term and has no penalty equivalent. The penalty counts once
// per step whatever the batch size, as weight_decay does, next to a mean-reduced data loss.
//
// Shapes: a list of floating tensors of any shapes (at least one, none empty); output a scalar of
// their dtype. PyTorch has no L2 penalty function (it offers weight_decay in the optimizers).
#include <cmath>
#include <string>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/reduction.h"
#include "losses/regularization.h"
#include "tensor/error.h"

namespace minidl::losses {

Variable l2_penalty(const std::vector<Variable>& params, const L2PenaltyOptions& options) {
  constexpr const char* kOp = "l2_penalty";
  MINIDL_CHECK(!params.empty(), kOp, ": no parameters given");
  MINIDL_CHECK(std::isfinite(options.l2) && options.l2 >= 0.0, kOp,
               ": l2 must be a finite number >= 0, got ", options.l2);
  Variable total;
  for (std::size_t k = 0; k < params.size(); ++k) {
    const std::string name = "params[" + std::to_string(k) + "]";
    check_floating(kOp, name, params[k]);
    check_not_empty(kOp, name, params[k]);
    const Variable term = sum(square(params[k]));
    total = total.defined() ? total + term : term;
  }
  return mul_scalar(total, options.l2);
}

}  // namespace minidl::losses
