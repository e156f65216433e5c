#include "data/class_augment.h"

#include <doctest/doctest.h>

#include <map>
#include <set>

#include "tensor/error.h"
#include "tensor/ops.h"
#include "tensor/random.h"
#include "tests/test_util.h"

using namespace minidl;
using namespace minidl::data;

namespace {

// 6 of class 0, 3 of class 1, 2 of class 2; sample i is the row [i, 10 i] (its own identity).
Tensor y6() { return from_vector(std::vector<std::int64_t>{0, 1, 0, 0, 2, 0, 1, 0, 2, 1, 0}); }
Tensor x6() {
  std::vector<double> v;
  for (int i = 0; i < 11; ++i) v.insert(v.end(), {double(i), 10.0 * i});
  return from_vector(v, {11, 2});
}

Transform shift(double c) {
  return [c](const Tensor& x, Generator&) { return add(x, c); };
}

std::map<std::int64_t, std::int64_t> counts(const Tensor& y) {
  std::map<std::int64_t, std::int64_t> out;
  for (std::int64_t v : y.values<std::int64_t>()) ++out[v];
  return out;
}

}  // namespace

TEST_CASE("augment_minority: every class up to the largest, the copies transformed") {
  const Resampled r = augment_minority(x6(), y6(), shift(1000), {.seed = 1});
  CHECK(counts(r.y) == std::map<std::int64_t, std::int64_t>{{0, 6}, {1, 6}, {2, 6}});
  CHECK(r.num_synthetic == 7);
  REQUIRE(r.x.shape() == Shape{18, 2});
  // the originals first and unchanged
  for (std::int64_t i = 0; i < 22; ++i) CHECK(r.x.at(i) == x6().at(i));
  // each copy is a transformed sample of its own class: [i + 1000, 10 i + 1000] with y_i = c
  const std::vector<std::int64_t> y = y6().values<std::int64_t>();
  for (std::int64_t k = 11; k < 18; ++k) {
    const double i = r.x.at(2 * k) - 1000;
    CHECK(r.x.at(2 * k + 1) - 1000 == doctest::Approx(10 * i));
    REQUIRE(i >= 0);
    REQUIRE(i < 11);
    CHECK(y[static_cast<std::size_t>(i)] == r.y.at(k));
  }
  // classes in ascending order: class 1's three copies, then class 2's four
  CHECK(r.y.values<std::int64_t>() ==
        std::vector<std::int64_t>{0, 1, 0, 0, 2, 0, 1, 0, 2, 1, 0, 1, 1, 1, 2, 2, 2, 2});
}

TEST_CASE("augment_minority: target counts per class, per-class transforms, the seed") {
  const Resampled r = augment_minority(
      x6(), y6(), shift(1000),
      {.target_counts = {{1, 5}, {2, 2}}, .class_transforms = {{1, shift(-1000)}}, .seed = 2});
  CHECK(counts(r.y) == std::map<std::int64_t, std::int64_t>{{0, 6}, {1, 5}, {2, 2}});
  for (std::int64_t k = 11; k < 13; ++k) CHECK(r.x.at(2 * k) < 0);  // class 1's own transform
  // the same seed repeats the draw; another seed draws other samples
  const Tensor a = augment_minority(x6(), y6(), shift(0), {.seed = 5}).x;
  CHECK(testing::bitwise_equal(a, augment_minority(x6(), y6(), shift(0), {.seed = 5}).x));
  bool differs = false;
  for (std::uint64_t s = 6; s < 12 && !differs; ++s)
    differs = !testing::bitwise_equal(a, augment_minority(x6(), y6(), shift(0), {.seed = s}).x);
  CHECK(differs);
  // every sample of a class is drawn: 200 copies of class 2 (samples 4 and 8)
  const Resampled many =
      augment_minority(x6(), y6(), shift(0), {.target_counts = {{2, 202}}, .seed = 3});
  std::set<double> drawn;
  for (std::int64_t k = 11; k < many.y.numel(); ++k) drawn.insert(many.x.at(2 * k));
  CHECK(drawn == std::set<double>{4, 8});
  // nothing below its target: the input itself
  const Resampled none = augment_minority(x6(), y6(), shift(1), {.target_counts = {{0, 3}}});
  CHECK(none.num_synthetic == 0);
  CHECK(testing::bitwise_equal(none.x, x6()));
}

TEST_CASE("augment_minority: the image transforms keep each copy's shape") {
  Generator gen(0);
  const Tensor images = rand({5, 1, 6, 6}, gen);
  const Tensor y = from_vector(std::vector<std::int64_t>{0, 0, 0, 1, 0});
  const Transform t = compose({random_horizontal_flip(), random_crop(6, 1), gaussian_noise(0.05)});
  const Resampled r = augment_minority(images, y, t, {.seed = 4});
  CHECK(r.x.shape() == Shape{8, 1, 6, 6});
  CHECK(r.num_synthetic == 3);
  CHECK(r.x.dtype() == images.dtype());
  // noise makes every copy differ from sample 3, the only class-1 sample
  const Tensor original = narrow(images, 0, 3, 1);
  for (std::int64_t k = 5; k < 8; ++k)
    CHECK_FALSE(testing::bitwise_equal(narrow(r.x, 0, k, 1), original));
}

TEST_CASE("augment_minority: errors name the function and the values") {
  CHECK_THROWS_WITH_AS(augment_minority(x6(), y6(), shift(0), {.target_counts = {{7, 3}}}),
                       doctest::Contains("augment_minority: class 7 has no sample to augment"),
                       Error);
  CHECK_THROWS_WITH_AS(augment_minority(x6(), y6(), shift(0), {.target_counts = {{1, -2}}}),
                       doctest::Contains("target count of class 1 must be >= 0, got -2"), Error);
  CHECK_THROWS_WITH_AS(augment_minority(narrow(x6(), 0, 0, 4), y6(), shift(0)),
                       doctest::Contains("augment_minority: x [4,2] and labels [11] differ in N"),
                       Error);
  const Transform shrink = [](const Tensor& x, Generator&) { return narrow(x, 1, 0, 1); };
  CHECK_THROWS_WITH_AS(augment_minority(x6(), y6(), shrink),
                       doctest::Contains("the transform of class 1 changed the shape [3,2] to "
                                         "[3,1]"),
                       Error);
  CHECK_THROWS_WITH_AS(augment_minority(x6(), y6(), Transform{}),
                       doctest::Contains("augment_minority: no transform for class 1"), Error);
  CHECK_THROWS_WITH_AS(augment_minority(x6(), from_vector(std::vector<double>(11, 0.0)), shift(0)),
                       doctest::Contains("labels must be int64 [N]"), Error);
}
