#include "data/toy2d.h"

#include <doctest/doctest.h>

#include <cmath>

#include "tensor/error.h"
#include "tensor/ops.h"
#include "tests/test_util.h"

namespace minidl::data {
namespace {

TEST_CASE("toy2d: ring radius 2 and grid spacing 1, std 0.02, seeded") {
  Generator g1(3), g2(3);
  const Tensor a = sample_toy2d(Toy2d::kRing8, 4000, g1, kFloat64);
  CHECK(testing::bitwise_equal(a, sample_toy2d(Toy2d::kRing8, 4000, g2, kFloat64)));
  const double* p = a.data<double>();
  double max_dev = 0, sq = 0;
  for (std::int64_t i = 0; i < 4000; ++i) {
    const double r = std::hypot(p[2 * i], p[2 * i + 1]);
    max_dev = std::max(max_dev, std::abs(r - 2.0));
    sq += (r - 2.0) * (r - 2.0);
  }
  CHECK(max_dev < 0.15);
  CHECK(std::sqrt(sq / 4000) == doctest::Approx(0.02).epsilon(0.1));
  const Tensor modes = toy2d_modes(Toy2d::kGrid25);
  CHECK(modes.shape() == Shape{25, 2});
  CHECK(modes.at(0) == -2.0);
  CHECK(modes.at(49) == 2.0);
  CHECK(toy2d_modes(Toy2d::kRing8).at(5) == doctest::Approx(2.0));
}

TEST_CASE("toy2d: the swiss roll lies on its spiral; names round-trip; errors") {
  Generator gen(0);
  const Tensor s = sample_toy2d(Toy2d::kSwissRoll, 500, gen);
  CHECK(s.shape() == Shape{500, 2});
  CHECK(amax(abs(s)).item() < 3.0);
  CHECK(toy2d_modes(Toy2d::kSwissRoll).shape() == Shape{0, 2});
  for (Toy2d t : {Toy2d::kRing8, Toy2d::kGrid25, Toy2d::kSwissRoll})
    CHECK(parse_toy2d(toy2d_name(t)) == t);
  CHECK_THROWS_WITH_AS(parse_toy2d("ring"), doctest::Contains("toy2d: unknown toy 'ring'"), Error);
}

}  // namespace
}  // namespace minidl::data
