// Tests for random_resized_crop (data/transforms.h): exact values where the crop and the resize
// are known (the whole image, a 2x2 average, the fallback's central crop), convexity of the
// bilinear resize, determinism from the generator, errors.
#include <doctest/doctest.h>

#include "data/transforms.h"
#include "tensor/error.h"
#include "tensor/ops.h"
#include "tensor/random.h"
#include "tests/test_util.h"

using namespace minidl;
using namespace minidl::data;
using minidl::testing::bitwise_equal;

namespace {

Tensor numbered(std::int64_t n, std::int64_t h, std::int64_t w) {
  return arange(1, static_cast<double>(n * h * w + 1), 1, kFloat64).reshape({n, 1, h, w});
}

}  // namespace

TEST_CASE("random_resized_crop: the whole image at its own size is the identity") {
  Generator gen(0);
  const Tensor x = numbered(3, 6, 6);
  const Transform t = random_resized_crop(
      {.height = 6, .width = 6, .scale_min = 1, .scale_max = 1, .ratio_min = 1, .ratio_max = 1});
  CHECK(bitwise_equal(t(x, gen), x));
}

TEST_CASE("random_resized_crop: halving averages 2x2 blocks (align_corners false)") {
  Generator gen(0);
  const Tensor y = random_resized_crop(
      {.height = 2, .width = 2, .scale_min = 1, .scale_max = 1, .ratio_min = 1, .ratio_max = 1})(
      numbered(1, 4, 4), gen);
  CHECK_TENSOR_CLOSE(y, from_vector(std::vector<double>{3.5, 5.5, 11.5, 13.5}, {1, 1, 2, 2}));
}

TEST_CASE("random_resized_crop: no fitting draw falls back to the central crop") {
  // ratio >= 3 cannot fit a full-area crop of a square: w = h = 6 clamped to ratio 3, h = 2.
  Generator gen(0);
  const Tensor x = numbered(2, 6, 6);
  const Tensor y = random_resized_crop(
      {.height = 2, .width = 6, .scale_min = 1, .scale_max = 1, .ratio_min = 3, .ratio_max = 4})(
      x, gen);
  CHECK(bitwise_equal(y, narrow(x, 2, 2, 2)));
}

TEST_CASE("random_resized_crop: shapes, dtype, values inside each sample's range, the seed") {
  Generator gen(1);
  const Tensor x = rand({16, 2, 12, 10}, gen, kFloat32);
  const Transform t = random_resized_crop({.height = 8, .width = 8});
  Generator g1(5), g2(5), g3(6);
  const Tensor y = t(x, g1);
  CHECK(y.shape() == Shape{16, 2, 8, 8});
  CHECK(y.dtype() == kFloat32);
  CHECK(bitwise_equal(y, t(x, g2)));
  CHECK_FALSE(bitwise_equal(y, t(x, g3)));
  // bilinear weights are convex: every output lies within its plane's range
  for (std::int64_t p = 0; p < 32; ++p) {
    const Tensor in = narrow(x.reshape({32, 120}), 0, p, 1);
    const Tensor out = narrow(y.reshape({32, 64}), 0, p, 1);
    CHECK(amin(out).item() >= amin(in).item() - 1e-6);
    CHECK(amax(out).item() <= amax(in).item() + 1e-6);
  }
  // a constant image stays constant
  const Tensor ones = full({4, 1, 9, 9}, 2.5, kFloat64);
  CHECK(bitwise_equal(t(ones, g1), full({4, 1, 8, 8}, 2.5, kFloat64)));
}

TEST_CASE("random_resized_crop: errors name the transform") {
  Generator gen(0);
  CHECK_THROWS_WITH_AS(random_resized_crop({.height = 0, .width = 4}),
                       doctest::Contains("random_resized_crop: size 0x4 must be positive"), Error);
  CHECK_THROWS_WITH_AS(
      random_resized_crop({.height = 4, .width = 4, .scale_min = 0.5, .scale_max = 0.2}),
      doctest::Contains("scale range [0.5, 0.2]"), Error);
  CHECK_THROWS_WITH_AS(random_resized_crop({.height = 4, .width = 4, .ratio_min = -1}),
                       doctest::Contains("ratio range [-1"), Error);
  CHECK_THROWS_WITH_AS(random_resized_crop({.height = 4, .width = 4})(zeros({2, 8, 8}), gen),
                       doctest::Contains("expects floating [N, C, H, W], got float32 [2,8,8]"),
                       Error);
}
