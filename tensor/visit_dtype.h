// Public (layers above tensor/ may use it): runs a generic lambda with a value of the C++ type of
// a run-time floating dtype, so a fused loop over a tensor's raw data is written once for float
// and double, e.g. optim/'s update kernels:
//   visit_floating(p.dtype(), "SGD.step", [&](auto tag) { using T = decltype(tag); ... });
// int64 is a minidl::Error naming the op. (tensor/dispatch.h, internal to tensor/, builds on it.)
#pragma once

#include "tensor/dtype.h"
#include "tensor/error.h"

namespace minidl {

template <typename Fn>
decltype(auto) visit_floating(DType dt, const char* op, Fn&& fn) {
  switch (dt) {
    case kFloat32:
      return fn(float{});
    case kFloat64:
      return fn(double{});
    default:
      MINIDL_FAIL(op, ": expected a floating-point tensor, got ", dtype_name(dt));
  }
}

}  // namespace minidl
