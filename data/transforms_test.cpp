// Tests for data/transforms.cpp: known values (normalize), exact behaviour at p = 0 and 1 and
// statistics in between (flip), every crop being a window of the padded image with uniformly
// spread offsets (crop), noise moments, determinism from the generator, compose.
#include "data/transforms.h"

#include <doctest/doctest.h>

#include <cmath>

#include "tensor/ops.h"
#include "tests/test_util.h"

using namespace minidl;
using namespace minidl::data;
using minidl::testing::bitwise_equal;

namespace {

// Pixels numbered 1.. so every window of the image is distinguishable from padding (0).
Tensor numbered_images(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w) {
  return arange(1, static_cast<double>(n * c * h * w + 1), 1, kFloat32).reshape({n, c, h, w});
}

}  // namespace

TEST_CASE("transforms: normalize per channel and with one value") {
  Generator gen(0);
  const Tensor x = tensor({{{{1, 3}}, {{10, 20}}}});  // [1, 2, 1, 2]
  const Tensor y = normalize({1, 10}, {2, 5})(x, gen);
  CHECK(y.to_vector() == std::vector<double>{0, 1, 0, 2});
  CHECK(normalize({1}, {2})(x, gen).to_vector() == std::vector<double>{0, 1, 4.5, 9.5});
  const Tensor flat = tensor({{1, 2, 3}});  // [N, D]: features play the channels
  CHECK(normalize({1, 2, 3}, {1, 1, 1})(flat, gen).to_vector() == std::vector<double>{0, 0, 0});
  CHECK_THROWS_WITH_AS(normalize({1, 2, 3}, {1, 1, 1})(x, gen),
                       "normalize: 3 channel values for inputs [1,2,1,2] with 2 channels on axis 1",
                       Error);
  CHECK_THROWS_WITH_AS(normalize({0}, {0}), "normalize: stddev must be > 0, got 0", Error);
  const auto [m, s] = channel_mean_std(x);
  CHECK(m == std::vector<double>{2, 15});
  CHECK(s == std::vector<double>{1, 5});
}

TEST_CASE("transforms: horizontal flip at p = 0, p = 1 and p = 0.5") {
  Generator gen(1);
  const Tensor x = numbered_images(4, 2, 3, 5);
  CHECK(bitwise_equal(random_horizontal_flip(0.0)(x, gen), x));
  CHECK(bitwise_equal(random_horizontal_flip(1.0)(x, gen), flip(x, {3})));
  // Each of 2000 samples is either untouched or mirrored; about half are mirrored.
  const Tensor many = numbered_images(2000, 1, 2, 3);
  const Tensor y = random_horizontal_flip(0.5)(many, gen);
  const Tensor mirrored = flip(many, {3});
  std::int64_t flipped = 0;
  for (std::int64_t i = 0; i < 2000; ++i) {
    const Tensor yi = y.narrow_rows(i, 1);
    const bool same = bitwise_equal(yi, many.narrow_rows(i, 1).clone());
    const bool mirror = bitwise_equal(yi, mirrored.narrow_rows(i, 1).clone());
    CHECK((same || mirror));
    flipped += mirror ? 1 : 0;
  }
  CHECK(flipped > 900);
  CHECK(flipped < 1100);
  CHECK_THROWS_WITH_AS(
      random_horizontal_flip(0.5)(ones({2, 784}), gen),
      "random_horizontal_flip: expects images [N, C, H, W] or [N, H, W], got [2,784]", Error);
}

TEST_CASE("transforms: random crop with padding is a window of the padded image") {
  Generator gen(2);
  const std::int64_t n = 400, c = 2, h = 6, w = 5, pad = 2;
  const Tensor x = numbered_images(n, c, h, w);
  CHECK(bitwise_equal(random_crop(RandomCropOptions{.height = h, .width = w})(x, gen), x));
  const Tensor y = random_crop(RandomCropOptions{.height = h, .width = w, .padding = pad})(x, gen);
  CHECK(y.shape() == Shape{n, c, h, w});
  const Tensor padded = minidl::pad(x, {pad, pad, pad, pad});
  // Find each sample's window by brute force; count how often each offset occurs.
  std::vector<std::int64_t> tops(2 * pad + 1), lefts(2 * pad + 1);
  for (std::int64_t i = 0; i < n; ++i) {
    const Tensor yi = y.narrow_rows(i, 1).clone();
    const Tensor pi = padded.narrow_rows(i, 1).clone();
    int found = 0;
    for (std::int64_t t = 0; t <= 2 * pad; ++t)
      for (std::int64_t l = 0; l <= 2 * pad; ++l)
        if (bitwise_equal(yi, slice(slice(pi, 2, t, t + h), 3, l, l + w))) {
          ++found;
          ++tops[static_cast<std::size_t>(t)];
          ++lefts[static_cast<std::size_t>(l)];
        }
    CHECK(found == 1);
  }
  // Offsets uniform on 0..4: 80 expected each out of 400.
  for (std::int64_t k = 0; k <= 2 * pad; ++k) {
    CHECK(tops[static_cast<std::size_t>(k)] > 50);
    CHECK(lefts[static_cast<std::size_t>(k)] > 50);
  }
  // A smaller crop and a fill value.
  const Tensor small =
      random_crop(RandomCropOptions{.height = 3, .width = 3, .padding = 8, .fill = -1})(x, gen);
  CHECK(small.shape() == Shape{n, c, 3, 3});
  CHECK(amin(small).item() == -1);
  CHECK_THROWS_WITH_AS(
      random_crop(8)(x, gen),
      "random_crop: crop 8x8 is larger than the padded image 6x5 (inputs [400,2,6,5], padding 0)",
      Error);
}

TEST_CASE("transforms: gaussian noise moments; the input is left alone") {
  Generator gen(3);
  const Tensor x = full({200, 1, 10, 10}, 0.5);
  const Tensor y = gaussian_noise(0.2)(x, gen);
  const Tensor d = sub(y, x);
  CHECK(std::abs(mean(d).item()) < 0.005);
  CHECK(std::abs(minidl::std(d).item() - 0.2) < 0.005);
  CHECK(amax(x).item() == 0.5);
  CHECK(amin(x).item() == 0.5);
  CHECK_THROWS_AS(gaussian_noise(0.1)(arange(3), gen), Error);
}

TEST_CASE("transforms: outputs are determined by the generator state; compose applies in order") {
  const Tensor x = numbered_images(16, 1, 8, 8);
  const Transform t = compose(
      {random_crop(8, 2), random_horizontal_flip(), gaussian_noise(0.1), normalize({0.5}, {2})});
  Generator a(42), b(42), c(43);
  const Tensor ya = t(x, a), yb = t(x, b), yc = t(x, c);
  CHECK(bitwise_equal(ya, yb));
  CHECK(!bitwise_equal(ya, yc));
  CHECK(a.offset() == b.offset());
  const Tensor second = t(x, a);  // the generator moved on
  CHECK(!bitwise_equal(second, ya));
  Generator g(0);
  const Transform order = compose({normalize({1}, {1}), normalize({0}, {2})});
  CHECK(order(tensor({{5.0}}), g).to_vector() == std::vector<double>{2});
}
