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

TEST_CASE("gan_generator_saturating_loss: known value is -mean softplus(d_fake)") {
  const Variable f = leaf({0.0, 1.0, -2.0}, {3});
  CHECK(gan_generator_saturating_loss(f).item() ==
        doctest::Approx(-(sp(0.0) + sp(1.0) + sp(-2.0)) / 3));
  // = mean log(1 - D(G(z))) with D = sigmoid.
  CHECK(gan_generator_saturating_loss(f).item() ==
        doctest::Approx((std::log(0.5) + std::log(1 - sigm(1.0)) + std::log(1 - sigm(-2.0))) / 3));
}

TEST_CASE("gan_generator_saturating_loss: gradcheck") {
  CHECK(gradcheck([](const auto& v) { return std::vector{gan_generator_saturating_loss(v[0])}; },
                  {leaf({-2.0, 0.3, 4.0, 0.0}, {2, 2})}));
}

TEST_CASE("gan_generator_saturating_loss: the gradient vanishes where D rejects the fakes") {
  // The reason for the non-saturating loss: at d_fake = -10 this gradient is ~ -4.5e-5 / N,
  // the non-saturating one ~ -1 / N.
  const Variable f = leaf({-10.0, -10.0}, {2}), g = leaf({-10.0, -10.0}, {2});
  backward(gan_generator_saturating_loss(f));
  backward(gan_generator_nonsaturating_loss(g));
  CHECK(std::abs(f.grad().value().at({0})) < 1e-4 * std::abs(g.grad().value().at({0})));
  CHECK(f.grad().value().at({0}) == doctest::Approx(-sigm(-10.0) / 2));
}

TEST_CASE("gan_generator_saturating_loss: logits of +-1e4 are finite; errors name the loss") {
  const Variable f = leaf({1e4, -1e4}, {2});
  CHECK(gan_generator_saturating_loss(f).item() == doctest::Approx(-5e3));
  CHECK_THROWS_WITH_AS(gan_generator_saturating_loss(Variable(zeros({0}, kFloat64))),
                       doctest::Contains("gan_generator_saturating_loss: d_fake is empty"), Error);
}

}  // namespace
}  // namespace minidl::losses
