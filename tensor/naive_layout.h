// Naive references for the layout ops (shape ops, indexing, matmul): the oracle the tests compare
// tensor/shape.cpp, tensor/index.cpp and tensor/matmul.cpp against. Each walks every output
// multi-index and computes its source coordinate by the definition, in double, sequentially.
// No parallelism, no cleverness, minimal checking: callers pass valid arguments.
#pragma once

#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace minidl::naive {

Tensor permute(const Tensor& x, const Axes& dims);
Tensor broadcast_to(const Tensor& x, const Shape& shape);
// Python slicing of one axis: x[..., start:end:step, ...], step >= 1.
Tensor slice(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t end,
             std::int64_t step);
Tensor concat(const std::vector<Tensor>& xs, std::int64_t axis);
// torch.nn.functional.pad, constant mode.
Tensor pad(const Tensor& x, const std::vector<std::int64_t>& pads, double value);
Tensor flip(const Tensor& x, const Axes& axes);
Tensor gather(const Tensor& x, std::int64_t axis, const Tensor& index);
Tensor scatter_add(const Tensor& x, std::int64_t axis, const Tensor& index, const Tensor& src);
Tensor index_select(const Tensor& x, std::int64_t axis, const Tensor& index);
// NumPy matmul with optional transposes of the last two axes, summed in double.
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);

}  // namespace minidl::naive
