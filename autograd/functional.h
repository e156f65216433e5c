// Differentiable ops composed from the primitives in autograd/ops.h: no backward of their own, so
// their gradients (and gradients of gradients) come for free. Defined in autograd/functional.cpp.
#pragma once

#include <limits>
#include <utility>
#include <vector>

#include "autograd/ops.h"

namespace minidl {

// A constant (requires_grad false) of x's shape and dtype filled with value.
Variable constant_like(const Variable& x, double value);
// A 0-d constant of x's dtype (broadcasts against anything).
Variable scalar_like(const Variable& x, double value);

// ---- scalar forms: the scalar takes the variable's dtype
Variable add(const Variable& a, double b);
Variable sub(const Variable& a, double b);
Variable sub(double a, const Variable& b);
Variable mul(const Variable& a, double b);
Variable div(const Variable& a, double b);
Variable div(double a, const Variable& b);
Variable pow(const Variable& a, double b);

Variable operator+(const Variable& a, const Variable& b);
Variable operator-(const Variable& a, const Variable& b);
Variable operator*(const Variable& a, const Variable& b);
Variable operator/(const Variable& a, const Variable& b);
Variable operator-(const Variable& a);
Variable operator+(const Variable& a, double b);
Variable operator+(double a, const Variable& b);
Variable operator-(const Variable& a, double b);
Variable operator-(double a, const Variable& b);
Variable operator*(const Variable& a, double b);
Variable operator*(double a, const Variable& b);
Variable operator/(const Variable& a, double b);
Variable operator/(double a, const Variable& b);

// ---- elementwise
Variable square(const Variable& x);
Variable rsqrt(const Variable& x);
Variable reciprocal(const Variable& x);
Variable maximum(const Variable& a, const Variable& b);  // ties split the gradient evenly
Variable minimum(const Variable& a, const Variable& b);
Variable masked_fill(const Variable& x, const Tensor& mask, double value);
Variable elu(const Variable& x, double alpha = 1.0);
Variable gelu(const Variable& x);  // exact form, 0.5 x (1 + erf(x / sqrt 2))
Variable silu(const Variable& x);
// softplus is a primitive (autograd/ops.h).
Variable log_sigmoid(const Variable& x);

// ---- reductions
Variable mean(const Variable& x, const Axes& axes = {}, bool keepdim = false);
Variable var(const Variable& x, const Axes& axes = {}, std::int64_t correction = 1,
             bool keepdim = false);
Variable std(const Variable& x, const Axes& axes = {}, std::int64_t correction = 1,
             bool keepdim = false);
Variable amin(const Variable& x, const Axes& axes = {}, bool keepdim = false);
// Values (differentiable, the gradient goes to the selected index) and int64 indices.
std::pair<Variable, Tensor> max(const Variable& x, std::int64_t axis, bool keepdim = false);
std::pair<Variable, Tensor> min(const Variable& x, std::int64_t axis, bool keepdim = false);
Variable logsumexp(const Variable& x, const Axes& axes, bool keepdim = false);
Variable norm(const Variable& x, double p = 2.0, const Axes& axes = {}, bool keepdim = false);

// ---- shape
Variable transpose(const Variable& x, std::int64_t a, std::int64_t b);
Variable squeeze(const Variable& x, std::optional<std::int64_t> axis = std::nullopt);
Variable unsqueeze(const Variable& x, std::int64_t axis);
Variable flatten(const Variable& x, std::int64_t start_axis = 0, std::int64_t end_axis = -1);
Variable broadcast_to(const Variable& x, const Shape& shape);
Variable sum_to(const Variable& x, const Shape& shape);
Variable narrow(const Variable& x, std::int64_t axis, std::int64_t start, std::int64_t length);
Variable stack(const std::vector<Variable>& xs, std::int64_t axis);
std::vector<Variable> split(const Variable& x, std::int64_t size, std::int64_t axis);
std::vector<Variable> chunk(const Variable& x, std::int64_t n, std::int64_t axis);
Variable take_along_axis(const Variable& x, const Tensor& index, std::int64_t axis);

}  // namespace minidl
