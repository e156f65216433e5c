// Every differentiable primitive, one line each. Each is defined in autograd/<family>_ops.cpp with
// its formula block, forward and backward in one function, and has one row in the gradcheck table
// (autograd/ops_test.cpp). Everything else is composed from these (autograd/functional.h).
// Binary primitives broadcast; their backward folds the gradient back with sum_to.
#pragma once

#include <optional>
#include <vector>

#include "autograd/variable.h"
#include "tensor/conv.h"

namespace minidl {

// ---- elementwise (autograd/elementwise_ops.cpp)
Variable add(const Variable& a, const Variable& b);
Variable sub(const Variable& a, const Variable& b);
Variable mul(const Variable& a, const Variable& b);
Variable div(const Variable& a, const Variable& b);
Variable pow(const Variable& a, const Variable& b);
// Scalar operand kept as a number (no constant tensor, no broadcast): the hot path of tiny ops.
Variable add_scalar(const Variable& x, double s);
Variable mul_scalar(const Variable& x, double s);
Variable neg(const Variable& x);
Variable exp(const Variable& x);
Variable log(const Variable& x);
Variable log1p(const Variable& x);
Variable expm1(const Variable& x);
Variable sqrt(const Variable& x);
Variable erf(const Variable& x);
Variable atan(const Variable& x);
Variable sin(const Variable& x);
Variable cos(const Variable& x);
Variable tanh(const Variable& x);
Variable sigmoid(const Variable& x);
// log(1 + exp(x)), stable: max(x, 0) + log1p(exp(-|x|)); PyTorch's F.softplus (beta 1) without its
// threshold (exact for every x, where PyTorch returns x above 20).
Variable softplus(const Variable& x);
Variable relu(const Variable& x);
Variable leaky_relu(const Variable& x, double negative_slope = 0.01);
Variable abs(const Variable& x);
Variable where(const Tensor& cond, const Variable& a, const Variable& b);
Variable clamp(const Variable& x, std::optional<double> lo, std::optional<double> hi);
Variable to(const Variable& x, DType dtype);
// ---- reductions (autograd/reduce_ops.cpp)
Variable sum(const Variable& x, const Axes& axes = {}, bool keepdim = false);
Variable amax(const Variable& x, const Axes& axes = {}, bool keepdim = false);
Variable softmax(const Variable& x, std::int64_t axis);
Variable log_softmax(const Variable& x, std::int64_t axis);
// ---- shape (autograd/shape_ops.cpp)
Variable reshape(const Variable& x, const Shape& shape);
Variable permute(const Variable& x, const Axes& dims);
Variable expand(const Variable& x, const Shape& shape);
Variable slice(const Variable& x, std::int64_t axis, std::int64_t start, std::int64_t end,
               std::int64_t step = 1);
Variable concat(const std::vector<Variable>& xs, std::int64_t axis);
Variable pad(const Variable& x, const std::vector<std::int64_t>& pads, double value = 0.0);
Variable flip(const Variable& x, const Axes& axes);
// ---- indexing (autograd/index_ops.cpp)
Variable index_select(const Variable& x, std::int64_t axis, const Tensor& index);
Variable index_add(const Variable& x, std::int64_t axis, const Tensor& index, const Variable& src);
Variable gather(const Variable& x, std::int64_t axis, const Tensor& index);
Variable scatter_add(const Variable& x, std::int64_t axis, const Tensor& index,
                     const Variable& src);
// ---- linear algebra (autograd/linalg_ops.cpp)
Variable matmul(const Variable& a, const Variable& b, bool trans_a = false, bool trans_b = false);
// bias + op(a) op(b), a and b 2-D, bias broadcast to [M, N] (torch.addmm; nn::Linear's forward).
Variable addmm(const Variable& bias, const Variable& a, const Variable& b, bool trans_a = false,
               bool trans_b = false);
// relu(addmm(bias, a, b)) as one node (nn::Sequential's Linear + ReLU): no pre-activation tensor,
// and the gradient's gate and products in one backward.
Variable addmm_relu(const Variable& bias, const Variable& a, const Variable& b,
                    bool trans_a = false, bool trans_b = false);
// ---- convolution (autograd/conv_ops.cpp)
Variable unfold2d(const Variable& x, const Window2d& window);  // [N,C,H,W] -> [C*kH*kW, N*L]
Variable fold2d(const Variable& cols, Pair image_size, const Window2d& window);  // its adjoint
// conv2d in one op (fast kernels; backward composed from the above under create_graph); bias may
// be undefined. autograd/conv.h's conv2d checks the arguments and calls it.
Variable conv2d_fused(const Variable& x, const Variable& weight, const Variable& bias,
                      const Window2d& window, std::int64_t groups);
// conv_transpose2d in one op onto an `out`-sized image that takes exactly x's H x W windows
// (output_padding < stride); autograd/conv.h's conv_transpose2d checks the arguments and calls it.
Variable conv_transpose2d_fused(const Variable& x, const Variable& weight, const Variable& bias,
                                const Window2d& window, std::int64_t groups, Pair out);
// max pooling in one op (autograd/conv.h's max_pool2d checks the arguments and calls it).
Variable max_pool2d_fused(const Variable& x, const Window2d& window);
// ---- normalisation (autograd/norm_ops.cpp)
// Batch norm in one op: x [N, C, *], weight / bias [C] or undefined; normalised by the batch's
// per-channel statistics when stat_mean is undefined (their mean and biased variance go to
// batch_mean / batch_var when given), else by stat_mean and stat_invstd ([C], eval mode).
Variable batch_norm_fused(const Variable& x, const Variable& weight, const Variable& bias,
                          const Tensor& stat_mean, const Tensor& stat_invstd, double eps,
                          Tensor* batch_mean = nullptr, Tensor* batch_var = nullptr);
// The same composed from the ops above (not a primitive: the reference the tests compare with).
Variable batch_norm_composed(const Variable& x, const Variable& weight, const Variable& bias,
                             const Tensor& stat_mean, const Tensor& stat_invstd, double eps,
                             Tensor* batch_mean = nullptr, Tensor* batch_var = nullptr);

}  // namespace minidl
