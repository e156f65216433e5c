// Internal helpers for the primitive definitions (autograd/*_ops.cpp).
#pragma once

#include <vector>

#include "autograd/functional.h"
#include "autograd/tape.h"
#include "tensor/ops.h"

namespace minidl::detail {

using Grads = std::vector<Variable>;
using Inputs = std::vector<Variable>;

// A constant (no grad) wrapping a tensor.
inline Variable constant(const Tensor& t) { return Variable(t); }

// Brings two variables to their promoted dtype through the differentiable cast, so each binary
// primitive works on one dtype and every gradient comes back in its input's dtype.
inline std::pair<Variable, Variable> promoted(const Variable& a, const Variable& b) {
  DType d = promote(a.dtype(), b.dtype());
  return {a.dtype() == d ? a : to(a, d), b.dtype() == d ? b : to(b, d)};
}

// Gradient of a broadcast input: fold g back to the input's shape (only when it needs one).
inline Variable fold(const Variable& g, const Variable& input) {
  if (!input.requires_grad()) return Variable();
  return g.shape() == input.shape() ? g : sum_to(g, input.shape());
}

}  // namespace minidl::detail
