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

TEST_CASE("hinge_gan_generator_loss: known value and gradient, no hinge on this side") {
  const Variable f = leaf({-5.0, 0.0, 3.0}, {3});
  CHECK(hinge_gan_generator_loss(f).item() == doctest::Approx(2.0 / 3));
  backward(hinge_gan_generator_loss(f));
  CHECK_TENSOR_CLOSE(f.grad().value(), full({3}, -1.0 / 3, kFloat64));
}

TEST_CASE("hinge_gan_generator_loss: gradcheck") {
  CHECK(gradcheck([](const auto& v) { return std::vector{hinge_gan_generator_loss(v[0])}; },
                  {leaf({-2.0, 0.3, 4.0}, {3})}));
}

TEST_CASE("hinge_gan_generator_loss: errors name the loss") {
  CHECK_THROWS_WITH_AS(hinge_gan_generator_loss(Variable(zeros({1, 0}, kFloat64))),
                       doctest::Contains("hinge_gan_generator_loss: d_fake is empty"), Error);
}

}  // namespace
}  // namespace minidl::losses
