// Initialisers: gains and fans by their formulas, the sample statistics of each distribution,
// reproducibility from a seed.
#include "nn/init.h"

#include <doctest/doctest.h>

#include <cmath>

#include "tensor/ops.h"
#include "tests/test_util.h"

namespace minidl::nn::init {
namespace {

TEST_CASE("init: gains and fans follow PyTorch") {
  CHECK(calculate_gain(Nonlinearity::kLinear) == 1.0);
  CHECK(calculate_gain(Nonlinearity::kTanh) == doctest::Approx(5.0 / 3.0));
  CHECK(calculate_gain(Nonlinearity::kRelu) == doctest::Approx(std::sqrt(2.0)));
  CHECK(calculate_gain(Nonlinearity::kLeakyRelu, std::sqrt(5.0)) ==
        doctest::Approx(std::sqrt(1.0 / 3.0)));
  CHECK(calculate_gain(Nonlinearity::kSelu) == 0.75);
  auto [fi, fo] = calculate_fan_in_and_fan_out(empty({16, 3, 5, 5}));
  CHECK(fi == 75);
  CHECK(fo == 400);
  CHECK_THROWS_WITH_AS(calculate_fan_in_and_fan_out(empty({5})),
                       doctest::Contains("2 or more dims"), Error);
}

TEST_CASE("init: uniform bounds and normal standard deviations") {
  Generator gen(1);
  Tensor w = empty({400, 300});
  kaiming_uniform_(w, gen, 0.0, FanMode::kFanIn, Nonlinearity::kRelu);
  double bound = std::sqrt(2.0) * std::sqrt(3.0 / 300.0);
  CHECK(amax(abs(w)).item() <= bound);
  CHECK(amax(abs(w)).item() > 0.99 * bound);
  kaiming_normal_(w, gen, 0.0, FanMode::kFanOut, Nonlinearity::kRelu);
  CHECK(minidl::std(w).item() == doctest::Approx(std::sqrt(2.0 / 400.0)).epsilon(0.02));
  xavier_uniform_(w, gen, 2.0);
  CHECK(amax(abs(w)).item() <= 2.0 * std::sqrt(6.0 / 700.0));
  CHECK(amax(abs(w)).item() > 0.99 * 2.0 * std::sqrt(6.0 / 700.0));
  xavier_normal_(w, gen);
  CHECK(minidl::std(w).item() == doctest::Approx(std::sqrt(2.0 / 700.0)).epsilon(0.02));
  normal_(w, gen, 3.0, 0.5);
  CHECK(mean(w).item() == doctest::Approx(3.0).epsilon(0.01));
  uniform_(w, gen, -1.0, 2.0);
  CHECK(amin(w).item() >= -1.0);
  CHECK(amax(w).item() < 2.0);
  ones_(w);
  CHECK(amin(w).item() == 1.0);
  zeros_(w);
  CHECK(amax(abs(w)).item() == 0.0);
}

TEST_CASE("init: same seed, same values; the dtype is kept; int64 is refused") {
  Generator a(9), b(9);
  Tensor x = empty({3, 4}, kFloat64), y = empty({3, 4}, kFloat64);
  xavier_uniform_(x, a);
  xavier_uniform_(y, b);
  CHECK(testing::bitwise_equal(x, y));
  CHECK(x.dtype() == kFloat64);
  Tensor i = empty({2, 2}, kInt64);
  CHECK_THROWS_WITH_AS(normal_(i, a), doctest::Contains("needs a floating tensor"), Error);
}

}  // namespace
}  // namespace minidl::nn::init
