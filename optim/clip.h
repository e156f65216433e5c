// Gradient clipping, in place on the .grad of each parameter (PyTorch's torch.nn.utils names and
// semantics). Parameters without a gradient are ignored. Call between backward() and step().
//
// clip_grad_norm_: one global norm over all the gradients, as if they were one vector:
//   n_i   = ||g_i||_p                       (per parameter)
//   total = ||(n_1, ..., n_k)||_p           (= max_i n_i for p = inf)
//   coef  = max_norm / (total + 1e-6);  if coef < 1: every g_i <- coef * g_i
// The direction of the update is kept; only its length is capped. The 1e-6 keeps a zero norm
// finite. As in PyTorch, a non-finite total (a NaN or inf gradient) scales every gradient by a
// non-finite coefficient unless error_if_nonfinite, which throws instead (and changes nothing).
// Sums are taken in double in fixed-size chunks (tensor/parallel.h), so the result does not
// depend on the thread count. Reference: Pascanu, Mikolov & Bengio, ICML 2013;
// torch.nn.utils.clip_grad_norm_ (PyTorch 1.13).
//
// clip_grad_value_: every gradient element clamped to [-clip_value, clip_value].
#pragma once

#include <limits>
#include <vector>

#include "autograd/variable.h"

namespace minidl::optim {

inline constexpr double kInfNorm = std::numeric_limits<double>::infinity();

// Returns the total norm before clipping (0 when no parameter has a gradient). norm_type > 0,
// usually 2 or kInfNorm.
double clip_grad_norm_(const std::vector<Variable>& params, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

// clip_value >= 0.
void clip_grad_value_(const std::vector<Variable>& params, double clip_value);

}  // namespace minidl::optim
