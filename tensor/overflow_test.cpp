// Sizes never overflow: every product of dims, every byte count and every size computed for a new
// shape (creation, reshape, broadcasting, concat, pad, matmul, convolution windows) is checked, and
// an overflow is a minidl::Error naming the shape and the op. A 0 dim makes a shape empty whatever
// its other dims are, as in PyTorch (torch.empty(0, 2**62, 2**62) exists).
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>

#include "tensor/conv.h"
#include "tensor/ops.h"
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

TEST_CASE("tensor: a 0 dim makes a shape empty whatever the other dims, no overflow") {
  CHECK(shape_numel({0, k62, k62}) == 0);
  CHECK(shape_numel({k62, k62, 0}) == 0);
  Tensor e = zeros({0, k62, k62});
  CHECK(e.numel() == 0);
  CHECK(e.nbytes() == 0);
  CHECK(e.reshape({k62, 0, k62}).shape() == Shape{k62, 0, k62});
  CHECK(e.clone().shape() == e.shape());
  CHECK(add(e, e).shape() == e.shape());
  CHECK(where(e, e, e).shape() == e.shape());
  CHECK(permute(e, {2, 0, 1}).shape() == Shape{k62, 0, k62});
  CHECK(concat({e, e}, 0).shape() == e.shape());
  CHECK(sum(e, {1, 2}).shape() == Shape{0});
  CHECK(amax(e, {1, 2}).shape() == Shape{0});
  CHECK(softmax(e, 1).shape() == e.shape());
  CHECK(slice(e, 1, 0, k62, 3).numel() == 0);
  // Reducing the empty axis away leaves [2^62, 2^62], which cannot exist.
  CHECK_THROWS_WITH_AS(sum(e, {0}), doctest::Contains("has more than 2^63-1 elements"), Error);
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

TEST_CASE("shape: broadcast_to, concat, pad and narrow reject sizes that overflow") {
  const Tensor x = zeros({1, 1});
  CHECK_THROWS_WITH_AS(broadcast_to(x, {k32, k32}),
                       "broadcast_to: shape [4294967296,4294967296] has more than 2^63-1 elements",
                       Error);
  CHECK_THROWS_WITH_AS(expand(x, {3, kWrapsTo2}),
                       doctest::Contains("broadcast_to: shape [3,6148914691236517206] has more"),
                       Error);
  // Two empty tensors whose lengths along the axis add up past 2^63-1.
  const Tensor tall = zeros({0, kMax});
  CHECK_THROWS_WITH_AS(concat({tall, zeros({0, 1})}, 1),
                       "concat: sizes along axis 1 add up past 2^63-1 at input 1 ([0,1])", Error);
  CHECK(concat({tall, zeros({0, 0})}, 1).shape() == Shape{0, kMax});
  CHECK_THROWS_WITH_AS(pad(zeros({2, 2}), {kMax, 1}),
                       "pad: pads (9223372036854775807, 1) make axis 1 of [2,2] longer than 2^63-1",
                       Error);
  CHECK_THROWS_WITH_AS(pad(zeros({2, 2}), {k32, k32, k32, k32}),
                       doctest::Contains("pad: shape [8589934594,8589934594] has more than"),
                       Error);
  CHECK_THROWS_WITH_AS(narrow(zeros({2, 4}), 1, 2, kMax),
                       "narrow: [2, 2+9223372036854775807) out of range for axis 1 of size 4 in "
                       "[2,4]",
                       Error);
  // Huge steps, chunk counts and split sizes mean "everything in one piece", not an overflow.
  const Tensor r = arange(5);
  CHECK(slice(r, 0, 1, kMax, kMax).to_vector() == std::vector<double>{1});
  CHECK(chunk(r, kMax, 0).size() == 5);
  CHECK(split(r, kMax, 0).size() == 1);
}

TEST_CASE("broadcast: shapes whose broadcast overflows are an error naming the op (overflow)") {
  // Each operand is fine; their broadcast is not.
  CHECK_THROWS_WITH_AS(broadcast_shapes({k32, 1}, {1, k32}, "add"),
                       "add: shapes [4294967296,1] and [1,4294967296] broadcast to "
                       "[4294967296,4294967296], which has more than 2^63-1 elements",
                       Error);
  CHECK(broadcast_shapes({0, 1}, {1, kMax}) == Shape{0, kMax});
  CHECK(add(zeros({k62, 1, 0}), zeros({1, k62, 0})).shape() == Shape{k62, k62, 0});
}

TEST_CASE("matmul: a result shape that overflows is an error naming both operands") {
  // Empty operands (K = 0) whose result would be [2^32, 2^32], directly or by broadcast batches.
  CHECK_THROWS_WITH_AS(matmul(zeros({k32, 0}), zeros({0, k32})),
                       "matmul: a [4294967296,0] times b [0,4294967296] gives shape "
                       "[4294967296,4294967296], which has more than 2^63-1 elements",
                       Error);
  CHECK_THROWS_WITH_AS(matmul(zeros({k32, 1, 3, 0}), zeros({1, k32, 0, 4})),
                       doctest::Contains("gives shape [4294967296,4294967296,3,4], which has more"),
                       Error);
  // An empty result with a huge batch is fine: no per-batch offsets are built for it.
  const std::int64_t k40 = std::int64_t{1} << 40;
  CHECK(matmul(zeros({k40, 0, 2}), zeros({2, 3})).shape() == Shape{k40, 0, 3});
}

TEST_CASE("conv window: window sizes and im2col columns that overflow are errors") {
  CHECK_THROWS_WITH_AS(window_count(4, 2, 1, kMax / 2, 1, false, "conv"),
                       doctest::Contains("conv: window arithmetic overflows int64: input size 4"),
                       Error);
  CHECK_THROWS_WITH_AS(check_window({{3, 3}, {1, 1}, {0, 0}, {kMax / 2 + 1, 1}}, "pool"),
                       doctest::Contains("pool: window arithmetic overflows int64: kernel 3x3"),
                       Error);
  // Padding 2^31 on both axes of a 1x1 image: 2^32 x 2^32 window positions.
  const Window2d huge_pad{{1, 1}, {1, 1}, {k32 / 2, k32 / 2}};
  CHECK_THROWS_WITH_AS(
      im2col(zeros({1, 1, 1, 1}), huge_pad),
      "im2col: columns [1*1*1, 1*4294967297*4294967297] for input [1,1,1,1] have more than 2^63-1 "
      "elements",
      Error);
  CHECK(im2col(zeros({0, 1, 1, 1}), {{1, 1}, {1, 1}, {k62 / 4, 0}}).shape() == Shape{1, 0});
  CHECK_THROWS_WITH_AS(max_pool2d_indices(zeros({1, 1, 1, 1}), huge_pad),
                       "max_pool2d: input 1x1 with padding 2147483648x2147483648 is too large to "
                       "index in int64",
                       Error);
}

}  // namespace minidl
