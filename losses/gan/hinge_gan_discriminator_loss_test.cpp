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

TEST_CASE("hinge_gan_discriminator_loss: known value, margins and kinks") {
  // reals: 1 - 0.5 = 0.5 active, 2 beyond the margin, 1 on the kink (0, subgradient 0).
  const Variable r = leaf({0.5, 2.0, 1.0}, {3}), f = leaf({0.0, -3.0, -1.0}, {3});
  CHECK(hinge_gan_discriminator_loss(r, f).item() == doctest::Approx(0.5 / 3 + 1.0 / 3));
  backward(hinge_gan_discriminator_loss(r, f));
  CHECK_TENSOR_CLOSE(r.grad().value(), from_vector(std::vector<double>{-1.0 / 3, 0, 0}, {3}));
  CHECK_TENSOR_CLOSE(f.grad().value(), from_vector(std::vector<double>{1.0 / 3, 0, 0}, {3}));
}

TEST_CASE("hinge_gan_discriminator_loss: gradcheck for both inputs away from the kinks") {
  CHECK(
      gradcheck([](const auto& v) { return std::vector{hinge_gan_discriminator_loss(v[0], v[1])}; },
                {leaf({-2.0, 0.3, 4.0, 0.9}, {4}), leaf({-0.7, 1.1, -2.5}, {3, 1})}));
}

TEST_CASE("hinge_gan_discriminator_loss: errors name the loss and the input") {
  CHECK_THROWS_WITH_AS(hinge_gan_discriminator_loss(Variable(zeros({0}, kFloat64)), leaf({1}, {1})),
                       doctest::Contains("hinge_gan_discriminator_loss: d_real is empty"), Error);
}

}  // namespace
}  // namespace minidl::losses
