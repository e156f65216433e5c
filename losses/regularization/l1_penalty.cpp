// l1_penalty: the L1 (lasso) weight penalty, Keras' keras.regularizers.L1.
//
//   P = l1 * sum_k sum_i |w_k,i|          over every parameter tensor w_k given
//   dP / dw = l1 * sign(w), with the subgradient 0 at w = 0 (autograd's abs: sign(0) = 0)
//
// The constant pull l1 * sign(w) is what makes L1 favour sparse weights: unlike L2's pull (which
// fades as w -> 0) it does not weaken near zero. With plain gradient steps the weights then hover
// around 0 (a step of lr * l1 overshoots), so they become small rather than exactly 0; for exact
// zeros use the optimizers' proximal L1 (optim::L1Mode::kProximal), which soft-thresholds.
// Equivalent optimizer setting: l1_decay = l1 (subgradient mode), see optim/optimizer.h.
//
// Shapes: a list of floating tensors of any shapes (at least one, none empty); output a scalar of
// their dtype. PyTorch has no L1 penalty (users write l1 * sum(p.abs().sum() for p in params)).
#include <cmath>
#include <string>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/reduction.h"
#include "losses/regularization.h"
#include "tensor/error.h"

namespace minidl::losses {

Variable l1_penalty(const std::vector<Variable>& params, const L1PenaltyOptions& options) {
  constexpr const char* kOp = "l1_penalty";
  MINIDL_CHECK(!params.empty(), kOp, ": no parameters given");
  MINIDL_CHECK(std::isfinite(options.l1) && options.l1 >= 0.0, kOp,
               ": l1 must be a finite number >= 0, got ", options.l1);
  Variable total;
  for (std::size_t k = 0; k < params.size(); ++k) {
    const std::string name = "params[" + std::to_string(k) + "]";
    check_floating(kOp, name, params[k]);
    check_not_empty(kOp, name, params[k]);
    const Variable term = sum(abs(params[k]));
    total = total.defined() ? total + term : term;
  }
  return mul_scalar(total, options.l1);
}

}  // namespace minidl::losses
