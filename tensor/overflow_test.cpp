// Sizes never overflow: every product of dims, every byte count and every size computed for a new
// shape (creation, reshape, broadcasting, concat, pad, matmul, convolution windows) is checked, and
// an overflow is a minidl::Error naming the shape and the op. A 0 dim makes a shape empty whatever
// its other dims are, as in PyTorch (torch.empty(0, 2**62, 2**62) exists).
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>

#include "tensor/tensor.h"

namespace minidl {
namespace {

constexpr std::int64_t k32 = std::int64_t{1} << 32;
constexpr std::int64_t k62 = std::int64_t{1} << 62;
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
// 3 * 6148914691236517206 = 2^64 + 2: wraps around to 2 in 64-bit arithmetic.
constexpr std::int64_t kWrapsTo2 = 6148914691236517206;

}  // namespace

TEST_CASE("tensor: a shape whose element count overflows int64 is an error naming it") {
  const Shape big{k32, k32};
  const char* msg = "tensor: shape [4294967296,4294967296] has more than 2^63-1 elements";
  CHECK_THROWS_WITH_AS(Tensor(big, kFloat32), msg, Error);
  CHECK_THROWS_WITH_AS(zeros(big), msg, Error);
  CHECK_THROWS_WITH_AS(ones(big, kFloat64), msg, Error);
  CHECK_THROWS_WITH_AS(full(big, 2.0), msg, Error);
  CHECK_THROWS_WITH_AS(empty(big, kInt64), msg, Error);
  CHECK_THROWS_WITH_AS(eye(k32), msg, Error);
  CHECK_THROWS_WITH_AS(Tensor({3, kWrapsTo2}),
                       "tensor: shape [3,6148914691236517206] has more than 2^63-1 elements",
                       Error);
  CHECK_THROWS_WITH_AS(shape_numel({2, k62}, "my_op"),
                       "my_op: shape [2,4611686018427387904] has more than 2^63-1 elements", Error);
  CHECK_THROWS_WITH_AS(shape_numel({2, -1}), "tensor: negative dimension in shape [2,-1]", Error);
  CHECK(!checked_numel(big).has_value());
  CHECK(checked_numel({3, 4}) == 12);
  CHECK_THROWS_WITH_AS(from_vector(std::vector<float>{}, big),
                       "from_vector: shape [4294967296,4294967296] has more than 2^63-1 elements",
                       Error);
  CHECK_THROWS_WITH_AS(arange(0.0, 1e300),
                       doctest::Contains("arange: [0, 1e+300) by step 1 has more than 2^63-1"),
                       Error);
}

TEST_CASE(
    "tensor: a count that fits but whose bytes overflow, or cannot be allocated, is an error") {
  // 2^62 float32 elements are 2^64 bytes.
  CHECK_THROWS_WITH_AS(
      Tensor({k62}), "tensor: shape [4611686018427387904] of float32 needs more than 2^63-1 bytes",
      Error);
  CHECK_THROWS_WITH_AS(zeros({2, std::int64_t{1} << 60}, kFloat64),
                       doctest::Contains("of float64 needs more than 2^63-1 bytes"), Error);
  // 2^62 bytes fit the types but no address space: a minidl::Error, not a std::bad_alloc.
  CHECK_THROWS_WITH_AS(
      empty({std::int64_t{1} << 60}),
      "tensor: cannot allocate 4611686018427387904 bytes for shape [1152921504606846976] (float32)",
      Error);
}

TEST_CASE("tensor: reshape and narrow_rows check sizes without overflow") {
  // The wrapped product of [3, 6148914691236517206] is 2, which used to pass as a view of [2].
  CHECK_THROWS_WITH_AS(
      zeros({2}).reshape({3, kWrapsTo2}),
      "reshape: cannot reshape [2] into [3,6148914691236517206], which has more than 2^63-1 "
      "elements",
      Error);
  CHECK_THROWS_WITH_AS(zeros({0}).reshape({k32, k32}),
                       doctest::Contains("into [4294967296,4294967296], which has more than"),
                       Error);
  CHECK_THROWS_WITH_AS(zeros({2}).reshape({-1, k32, k32}),
                       doctest::Contains("into [-1,4294967296,4294967296], which has more than"),
                       Error);
  CHECK_THROWS_WITH_AS(zeros({4, 2}).narrow_rows(1, kMax),
                       "narrow_rows: 9223372036854775807 rows from row 1 out of range for shape "
                       "[4,2]",
                       Error);
}

}  // namespace minidl
