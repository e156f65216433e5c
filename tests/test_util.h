// Helpers shared by the unit tests: element-wise comparison of tensors with a clear failure
// message.
#pragma once

#include <string>

#include "tensor/tensor.h"

namespace minidl::testing {

// Max |a - b| / (atol + rtol |b|) <= 1 over all elements, shapes equal. Returns "" when they match,
// otherwise a message with the worst element.
std::string compare(const Tensor& actual, const Tensor& expected, double rtol = 1e-6,
                    double atol = 1e-9);
// Bitwise equality (same dtype, shape and bytes).
bool bitwise_equal(const Tensor& a, const Tensor& b);

}  // namespace minidl::testing

#define CHECK_TENSOR_CLOSE(actual, expected, ...)                                                 \
  do {                                                                                            \
    std::string minidl_cmp_msg = ::minidl::testing::compare((actual), (expected), ##__VA_ARGS__); \
    CHECK_MESSAGE(minidl_cmp_msg.empty(), minidl_cmp_msg);                                        \
  } while (0)
