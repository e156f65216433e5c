// Internal to tensor/ reduction kernels: every reduction sees its input as a 3-d block
// [outer, r, inner], r being the product of the reduced axes. When the reduced axes are not
// adjacent (ignoring size-1 axes), the input is first copied with the kept axes in front, so the
// kernels only ever handle one contiguous layout. For an empty x, whose other dims may multiply
// past int64, a group saturates at 2^63-1 (no kernel reads such a view; reduce_view.cpp).
#pragma once

#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace minidl::detail {

struct ReduceView {
  // The elements to reduce: x's own storage, or that of `permuted`. A raw pointer rather than a
  // Tensor handle, because copying a handle copies its shape (a heap allocation per call).
  const void* data = nullptr;
  Tensor permuted;  // defined only when the reduced axes had to be brought together
  std::int64_t outer = 1;
  std::int64_t r = 1;
  std::int64_t inner = 1;
  Shape out_shape;  // reduced axes dropped, or kept as 1 with keepdim
  std::int64_t out_numel() const { return outer * inner; }
};

// Normalises axes (negative from the end; empty = all axes); out-of-range or duplicate axes throw
// naming op. x must outlive the view.
ReduceView reduce_view(const Tensor& x, const Axes& axes, bool keepdim, const char* op);

// x viewed as [outer, r = size(axis), inner] around one axis: never needs a copy.
struct AxisView {
  std::int64_t axis = 0;
  std::int64_t outer = 1;
  std::int64_t r = 1;
  std::int64_t inner = 1;
};
AxisView axis_view(const Tensor& x, std::int64_t axis, const char* op);

// Contiguous copy of x with out.shape[i] = x.shape[order[i]].
Tensor permute_copy(const Tensor& x, const std::vector<std::int64_t>& order);

}  // namespace minidl::detail
