// Naive references for the elementwise and reduction kernels: the oracle the tests compare
// tensor/elementwise.cpp, tensor/binary.cpp, tensor/reduce.cpp, tensor/argmax.cpp and
// tensor/softmax.cpp against. Each walks multi-indices by the definition, computes in double,
// sequentially, and returns the dtype the real op returns. No parallelism, no cleverness, minimal
// checking: callers pass valid arguments.
#pragma once

#include <cstdint>
#include <utility>

#include "tensor/ops.h"
#include "tensor/tensor.h"

namespace minidl::naive {

Tensor unary(UnaryOp op, const Tensor& x);
// NumPy broadcasting, PyTorch promotion; int64 div floors.
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);

// Empty axes = all axes, as in the real ops.
Tensor sum(const Tensor& x, const Axes& axes, bool keepdim);
Tensor mean(const Tensor& x, const Axes& axes, bool keepdim);
Tensor var(const Tensor& x, const Axes& axes, std::int64_t correction, bool keepdim);
Tensor amax(const Tensor& x, const Axes& axes, bool keepdim);
Tensor amin(const Tensor& x, const Axes& axes, bool keepdim);
Tensor logsumexp(const Tensor& x, const Axes& axes, bool keepdim);
Tensor norm(const Tensor& x, double p, const Axes& axes, bool keepdim);
// Values and first indices of the extreme along one axis; NaN wins.
std::pair<Tensor, Tensor> max(const Tensor& x, std::int64_t axis, bool keepdim);
std::pair<Tensor, Tensor> min(const Tensor& x, std::int64_t axis, bool keepdim);
Tensor softmax(const Tensor& x, std::int64_t axis);
Tensor log_softmax(const Tensor& x, std::int64_t axis);

}  // namespace minidl::naive
