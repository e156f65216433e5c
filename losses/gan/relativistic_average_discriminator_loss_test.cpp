#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/gan.h"
#include "tensor/error.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }
double sp(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x))); }

TEST_CASE("relativistic_average_discriminator_loss: known value, batches of different sizes") {
  const Variable r = leaf({1.0, 3.0}, {2}), f = leaf({0.0, -3.0, 0.0}, {3});
  // mean real 2, mean fake -1: r - (-1) = {2, 4}, f - 2 = {-2, -5, -2}.
  const double expected = (sp(-2.0) + sp(-4.0)) / 2 + (sp(-2.0) + sp(-5.0) + sp(-2.0)) / 3;
  CHECK(relativistic_average_discriminator_loss(r, f).item() == doctest::Approx(expected));
}

TEST_CASE("relativistic_average_discriminator_loss: equal critics give 2 log 2") {
  const Variable r = leaf({0.5, 0.5}, {2}), f = leaf({0.5, 0.5, 0.5}, {3});
  CHECK(relativistic_average_discriminator_loss(r, f).item() == doctest::Approx(2 * std::log(2.0)));
}

TEST_CASE("relativistic_average_discriminator_loss: gradcheck for both inputs") {
  CHECK(gradcheck(
      [](const auto& v) {
        return std::vector{relativistic_average_discriminator_loss(v[0], v[1])};
      },
      {leaf({-2.0, 0.3, 4.0}, {3}), leaf({-0.7, 1.1}, {2, 1})}));
}

TEST_CASE("relativistic_average_discriminator_loss: errors name the loss and the input") {
  CHECK_THROWS_WITH_AS(
      relativistic_average_discriminator_loss(leaf({1}, {1}), Variable(zeros({0}, kFloat64))),
      doctest::Contains("relativistic_average_discriminator_loss: d_fake is empty"), Error);
}

}  // namespace
}  // namespace minidl::losses
