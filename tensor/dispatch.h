// Internal to tensor/ kernels (.cpp files only): calls a generic lambda with a value of the C++
// type matching a run-time dtype, e.g.
//   dispatch(t.dtype(), "sum", [&](auto tag) { using T = decltype(tag); ... });
#pragma once

#include <cstdint>
#include <utility>

#include "tensor/dtype.h"
#include "tensor/error.h"
#include "tensor/visit_dtype.h"

namespace minidl::detail {

template <typename Fn>
decltype(auto) dispatch(DType dt, const char* op, Fn&& fn) {
  switch (dt) {
    case kFloat32:
      return fn(float{});
    case kFloat64:
      return fn(double{});
    case kInt64:
      return fn(std::int64_t{});
  }
  MINIDL_FAIL(op, ": unknown dtype");
}

// Floating types only; int64 is an error naming the op (the public tensor/visit_dtype.h).
template <typename Fn>
decltype(auto) dispatch_floating(DType dt, const char* op, Fn&& fn) {
  return visit_floating(dt, op, std::forward<Fn>(fn));
}

// Normalises a possibly negative axis against rank `dim`, naming the op on error.
// A 0-d tensor accepts axis 0 and -1, as in PyTorch.
inline std::int64_t norm_axis(std::int64_t axis, std::int64_t dim, const char* op) {
  const std::int64_t n = dim == 0 ? 1 : dim;
  MINIDL_CHECK(axis >= -n && axis < n, op, ": axis ", axis, " out of range for a tensor of rank ",
               dim);
  return axis < 0 ? axis + n : axis;
}

}  // namespace minidl::detail
