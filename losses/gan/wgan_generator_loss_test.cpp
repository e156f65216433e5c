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

TEST_CASE("wgan_generator_loss: known value and gradient") {
  const Variable f = leaf({-1.0, 0.0, 4.0, 1.0}, {4});
  CHECK(wgan_generator_loss(f).item() == doctest::Approx(-1.0));
  backward(wgan_generator_loss(f));
  CHECK_TENSOR_CLOSE(f.grad().value(), full({4}, -0.25, kFloat64));
}

TEST_CASE("wgan_generator_loss: gradcheck") {
  CHECK(gradcheck([](const auto& v) { return std::vector{wgan_generator_loss(v[0])}; },
                  {leaf({-2.0, 0.3, 4.0}, {3, 1})}));
}

TEST_CASE("wgan_generator_loss: errors name the loss") {
  CHECK_THROWS_WITH_AS(wgan_generator_loss(Variable()),
                       doctest::Contains("wgan_generator_loss: d_fake is undefined"), Error);
}

}  // namespace
}  // namespace minidl::losses
