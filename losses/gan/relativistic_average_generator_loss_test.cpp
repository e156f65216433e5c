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
double sigm(double x) { return 1.0 / (1.0 + std::exp(-x)); }

TEST_CASE("relativistic_average_generator_loss: the discriminator's loss with roles swapped") {
  const Variable r = leaf({1.0, 3.0}, {2}), f = leaf({0.0, -3.0, 0.0}, {3});
  const double expected = (sp(2.0) + sp(5.0) + sp(2.0)) / 3 + (sp(2.0) + sp(4.0)) / 2;
  CHECK(relativistic_average_generator_loss(r, f).item() == doctest::Approx(expected));
  CHECK(relativistic_average_generator_loss(r, f).item() ==
        doctest::Approx(relativistic_average_discriminator_loss(f, r).item()));
}

TEST_CASE("relativistic_average_generator_loss: the generator gets a gradient from the reals too") {
  // Through mean d_fake inside the real term: both terms pull d_fake up.
  const Variable r = leaf({1.0, 3.0}, {2}), f = leaf({0.0, -3.0, 0.0}, {3});
  backward(relativistic_average_generator_loss(r, f));
  const double from_fake_term = -sigm(-(0.0 - 2.0)) / 3;
  double from_real_term = (sigm(2.0) + sigm(4.0)) / 2 * (-1.0 / 3);
  CHECK(f.grad().value().at({0}) == doctest::Approx(from_fake_term + from_real_term));
}

TEST_CASE("relativistic_average_generator_loss: gradcheck for both inputs") {
  CHECK(gradcheck(
      [](const auto& v) { return std::vector{relativistic_average_generator_loss(v[0], v[1])}; },
      {leaf({-2.0, 0.3, 4.0}, {3}), leaf({-0.7, 1.1}, {2, 1})}));
}

TEST_CASE("relativistic_average_generator_loss: errors name the loss and the input") {
  CHECK_THROWS_WITH_AS(
      relativistic_average_generator_loss(Variable(zeros({2}, kInt64)), leaf({1}, {1})),
      doctest::Contains("relativistic_average_generator_loss: d_real must be float"), Error);
}

}  // namespace
}  // namespace minidl::losses
