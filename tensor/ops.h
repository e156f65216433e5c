// Raw tensor math (layer 0): no gradients, just values. Autograd's Variable ops are built on these.
//
// Conventions
// - Binary ops broadcast like NumPy and promote dtypes like PyTorch (float64 > float32 > int64).
// - Axis arguments may be negative (-1 = last). An empty axis set in a reduction means "all axes".
// - Comparisons return 0/1 in the promoted dtype (there is no bool dtype).
// - int64 arithmetic (add, sub, mul, neg, sum, mean's sum, matmul) wraps modulo 2^64 on overflow,
//   as in PyTorch: no error, no check (sum([2^63-1, 1]) is -2^63). It is computed in uint64, so
//   the wrap is defined behaviour, not C++'s undefined signed overflow.
// - Parallel kernels split work into chunks of a named grain (tensor/parallel.h), never a
//   function of the thread count, so results are bitwise identical on 1 or N threads.
// Each kernel has a naive twin (tensor/naive_math.h, tensor/naive_layout.h) that the tests use as
// the oracle.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace minidl {

// ---------------------------------------------------------------- elementwise
// (tensor/elementwise.cpp)
enum class UnaryOp {
  kNeg,
  kAbs,
  kSign,
  kExp,
  kLog,
  kLog1p,
  kExpm1,
  kSqrt,
  kRsqrt,
  kSin,
  kCos,
  kTanh,
  kSigmoid,
  kRelu,
  kSquare,
  kReciprocal,
  kFloor,
  kCeil,
  kRound,
  kErf,
  kAtan,
  kSoftplus
};
enum class BinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kPow,
  kMaximum,
  kMinimum,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe
};

// Integer inputs to a floating-only op (exp, log, sqrt, sigmoid, ...) are computed in float32.
Tensor unary(UnaryOp op, const Tensor& x);
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);
// Shape of broadcasting a with b; throws naming `op` when they do not broadcast.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op = "broadcast");

inline Tensor neg(const Tensor& x) { return unary(UnaryOp::kNeg, x); }
inline Tensor abs(const Tensor& x) { return unary(UnaryOp::kAbs, x); }
inline Tensor sign(const Tensor& x) { return unary(UnaryOp::kSign, x); }
inline Tensor exp(const Tensor& x) { return unary(UnaryOp::kExp, x); }
inline Tensor log(const Tensor& x) { return unary(UnaryOp::kLog, x); }
inline Tensor log1p(const Tensor& x) { return unary(UnaryOp::kLog1p, x); }
inline Tensor expm1(const Tensor& x) { return unary(UnaryOp::kExpm1, x); }
inline Tensor sqrt(const Tensor& x) { return unary(UnaryOp::kSqrt, x); }
inline Tensor rsqrt(const Tensor& x) { return unary(UnaryOp::kRsqrt, x); }
inline Tensor sin(const Tensor& x) { return unary(UnaryOp::kSin, x); }
inline Tensor cos(const Tensor& x) { return unary(UnaryOp::kCos, x); }
inline Tensor tanh(const Tensor& x) { return unary(UnaryOp::kTanh, x); }
inline Tensor sigmoid(const Tensor& x) { return unary(UnaryOp::kSigmoid, x); }
inline Tensor relu(const Tensor& x) { return unary(UnaryOp::kRelu, x); }
inline Tensor square(const Tensor& x) { return unary(UnaryOp::kSquare, x); }
inline Tensor reciprocal(const Tensor& x) { return unary(UnaryOp::kReciprocal, x); }
inline Tensor floor(const Tensor& x) { return unary(UnaryOp::kFloor, x); }
inline Tensor ceil(const Tensor& x) { return unary(UnaryOp::kCeil, x); }
inline Tensor round(const Tensor& x) { return unary(UnaryOp::kRound, x); }
inline Tensor erf(const Tensor& x) { return unary(UnaryOp::kErf, x); }
inline Tensor atan(const Tensor& x) { return unary(UnaryOp::kAtan, x); }
// log(1 + e^x), stable for any x: max(x, 0) + log1p(exp(-|x|)) (tensor/elementwise.cpp).
inline Tensor softplus(const Tensor& x) { return unary(UnaryOp::kSoftplus, x); }

inline Tensor add(const Tensor& a, const Tensor& b) { return binary(BinaryOp::kAdd, a, b); }
inline Tensor sub(const Tensor& a, const Tensor& b) { return binary(BinaryOp::kSub, a, b); }
inline Tensor mul(const Tensor& a, const Tensor& b) { return binary(BinaryOp::kMul, a, b); }
inline Tensor div(const Tensor& a, const Tensor& b) { return binary(BinaryOp::kDiv, a, b); }
inline Tensor pow(const Tensor& a, const Tensor& b) { return binary(BinaryOp::kPow, a, b); }
inline Tensor maximum(const Tensor& a, const Tensor& b) { return binary(BinaryOp::kMaximum, a, b); }
inline Tensor minimum(const Tensor& a, const Tensor& b) { return binary(BinaryOp::kMinimum, a, b); }
inline Tensor eq(const Tensor& a, const Tensor& b) { return binary(BinaryOp::kEq, a, b); }
inline Tensor ne(const Tensor& a, const Tensor& b) { return binary(BinaryOp::kNe, a, b); }
inline Tensor lt(const Tensor& a, const Tensor& b) { return binary(BinaryOp::kLt, a, b); }
inline Tensor le(const Tensor& a, const Tensor& b) { return binary(BinaryOp::kLe, a, b); }
inline Tensor gt(const Tensor& a, const Tensor& b) { return binary(BinaryOp::kGt, a, b); }
inline Tensor ge(const Tensor& a, const Tensor& b) { return binary(BinaryOp::kGe, a, b); }
// Scalar right-hand sides act like a Python number in PyTorch: a float tensor keeps its dtype; an
// int64 tensor stays int64 for a whole-number scalar and computes in float32 otherwise.
Tensor binary(BinaryOp op, const Tensor& a, double b);
inline Tensor add(const Tensor& a, double b) { return binary(BinaryOp::kAdd, a, b); }
inline Tensor sub(const Tensor& a, double b) { return binary(BinaryOp::kSub, a, b); }
inline Tensor mul(const Tensor& a, double b) { return binary(BinaryOp::kMul, a, b); }
inline Tensor div(const Tensor& a, double b) { return binary(BinaryOp::kDiv, a, b); }
inline Tensor pow(const Tensor& a, double b) { return binary(BinaryOp::kPow, a, b); }
inline Tensor gt(const Tensor& a, double b) { return binary(BinaryOp::kGt, a, b); }
inline Tensor lt(const Tensor& a, double b) { return binary(BinaryOp::kLt, a, b); }
inline Tensor ge(const Tensor& a, double b) { return binary(BinaryOp::kGe, a, b); }
inline Tensor le(const Tensor& a, double b) { return binary(BinaryOp::kLe, a, b); }
inline Tensor eq(const Tensor& a, double b) { return binary(BinaryOp::kEq, a, b); }
inline Tensor ne(const Tensor& a, double b) { return binary(BinaryOp::kNe, a, b); }

// cond != 0 ? a : b, all three broadcast together; result dtype = promote(a, b).
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
// leaky_relu(x) = x > 0 ? x : slope x (NaN stays NaN), one pass (float32 / float64); its
// gradient leaky_relu_backward(g, x) = x > 0 ? g : slope g, one pass.
Tensor leaky_relu(const Tensor& x, double negative_slope);
Tensor leaky_relu_backward(const Tensor& g, const Tensor& x, double negative_slope);
// relu's gradient from its output: out <= 0 ? 0 : g (PyTorch's threshold_backward: NaN outputs
// pass g), one pass (float32 / float64).
Tensor relu_backward(const Tensor& g, const Tensor& out);
// Bounds are optional; NaN stays NaN.
Tensor clamp(const Tensor& x, std::optional<double> lo, std::optional<double> hi);
// x with value wherever mask != 0 (mask broadcasts to x).
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);

// In place, a must already have the broadcast result shape; b broadcasts into it.
// a += alpha * b
void add_(Tensor& a, const Tensor& b, double alpha = 1.0);
void mul_(Tensor& a, const Tensor& b);
void mul_(Tensor& a, double s);

// ---------------------------------------------------------------- reductions (tensor/reduce.cpp)
// Float32 sums accumulate in double inside each chunk.
Tensor sum(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
// correction = 1 is the unbiased estimator (PyTorch's default), 0 the population variance.
Tensor var(const Tensor& x, const Axes& axes = {}, std::int64_t correction = 1,
           bool keepdim = false);
Tensor std(const Tensor& x, const Axes& axes = {}, std::int64_t correction = 1,
           bool keepdim = false);
Tensor amax(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
Tensor amin(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
// Values and int64 indices along one axis; ties go to the first index (like PyTorch on CPU).
std::pair<Tensor, Tensor> max(const Tensor& x, std::int64_t axis, bool keepdim = false);
std::pair<Tensor, Tensor> min(const Tensor& x, std::int64_t axis, bool keepdim = false);
Tensor argmax(const Tensor& x, std::int64_t axis, bool keepdim = false);
Tensor argmin(const Tensor& x, std::int64_t axis, bool keepdim = false);
// log(sum(exp(x))) computed as m + log(sum(exp(x - m))), m the max; -inf rows stay -inf.
Tensor logsumexp(const Tensor& x, const Axes& axes, bool keepdim = false);
// p in {1, 2, inf} (use std::numeric_limits<double>::infinity()).
Tensor norm(const Tensor& x, double p = 2.0, const Axes& axes = {}, bool keepdim = false);
// Stable: exp(x - max) / sum.
Tensor softmax(const Tensor& x, std::int64_t axis);
Tensor log_softmax(const Tensor& x, std::int64_t axis);
// Sums a broadcast result back to `shape` (the shape it was broadcast from): the gradient fold.
Tensor sum_to(const Tensor& x, const Shape& shape);

// ---------------------------------------------------------------- shape ops (tensor/shape.cpp)
// reshape is Tensor::reshape (a view).
Tensor transpose(const Tensor& x, std::int64_t a, std::int64_t b);
Tensor permute(const Tensor& x, const Axes& dims);
// Removes the given size-1 axis, or every size-1 axis when axis is nullopt.
Tensor squeeze(const Tensor& x, std::optional<std::int64_t> axis = std::nullopt);
Tensor unsqueeze(const Tensor& x, std::int64_t axis);
// Materialises the broadcast (storage is always contiguous); -1 keeps x's size on that axis.
Tensor broadcast_to(const Tensor& x, const Shape& shape);
inline Tensor expand(const Tensor& x, const Shape& shape) { return broadcast_to(x, shape); }
// Elements start, start+step, ... < end along axis (end clamped to the size; negative start/end
// count from the end, like Python).
Tensor slice(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t end,
             std::int64_t step = 1);
Tensor narrow(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t length);
Tensor concat(const std::vector<Tensor>& xs, std::int64_t axis);
Tensor stack(const std::vector<Tensor>& xs, std::int64_t axis);
// Pieces of `size` along axis (the last may be smaller).
std::vector<Tensor> split(const Tensor& x, std::int64_t size, std::int64_t axis);
// n nearly equal pieces, like torch.chunk.
std::vector<Tensor> chunk(const Tensor& x, std::int64_t n, std::int64_t axis);
Tensor flip(const Tensor& x, const Axes& axes);
// Constant padding; pads follow torch.nn.functional.pad: (last_before, last_after,
// second_last_before, second_last_after, ...). Pads must be >= 0.
Tensor pad(const Tensor& x, const std::vector<std::int64_t>& pads, double value = 0.0);

// ---------------------------------------------------------------- indexing (tensor/index.cpp)
// All index tensors are int64; out-of-range indices throw naming the op, the index and the size.
// Negative indices are not accepted (they are almost always a bug in a loss).
Tensor index_select(const Tensor& x, std::int64_t axis, const Tensor& index);
// Copy of x with src's slices added at `index` along axis (the adjoint of index_select).
Tensor index_add(const Tensor& x, std::int64_t axis, const Tensor& index, const Tensor& src);
// out[i][j] = x[i][index[i][j]] (axis 1), index has x's rank; other dims of index <= x's.
Tensor gather(const Tensor& x, std::int64_t axis, const Tensor& index);
// Copy of x with out[i][index[i][j]] += src[i][j] (axis 1); index and src have the same shape.
Tensor scatter_add(const Tensor& x, std::int64_t axis, const Tensor& index, const Tensor& src);
// The same into x itself, in place (gather's backward fills fresh zeros this way, with no copy).
void scatter_add_(Tensor& x, std::int64_t axis, const Tensor& index, const Tensor& src);
// NumPy's name for gather.
inline Tensor take_along_axis(const Tensor& x, const Tensor& index, std::int64_t axis) {
  return gather(x, axis, index);
}
// int64 [..., num_classes] with a 1 at each label; labels must be in [0, num_classes).
Tensor one_hot(const Tensor& labels, std::int64_t num_classes);
// int64 [n, x.dim()] coordinates of the nonzero elements, row-major order.
Tensor nonzero(const Tensor& x);

// ---------------------------------------------------------------- matmul (tensor/matmul.cpp)
// NumPy matmul semantics (1-D operands promoted and the added axis removed; batch axes broadcast),
// with either operand's last two axes optionally transposed. Float types go through BLAS
// (tensor/blas.h); int64 through a plain loop. Both operands must have the same dtype.
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);
// bias + op(a) op(b) for 2-D a and b, bias broadcast to the product's [M, N] (PyTorch's
// torch.addmm with beta = alpha = 1): the bias is written into the output and the GEMM adds to it.
Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b, bool trans_a = false,
             bool trans_b = false);
// relu(addmm(bias, a, b)) in one op (a Linear layer followed by ReLU): the rectifier is applied in
// place to the product just written (no second [M, N] tensor). Floating dtypes only.
Tensor addmm_relu(const Tensor& bias, const Tensor& a, const Tensor& b, bool trans_a = false,
                  bool trans_b = false);

}  // namespace minidl
