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

TEST_CASE("wgan_critic_loss: known value and gradient, batches of different sizes") {
  const Variable r = leaf({1.0, 3.0}, {2}), f = leaf({-1.0, 0.0, 4.0}, {3, 1});
  CHECK(wgan_critic_loss(r, f).item() == doctest::Approx(1.0 - 2.0));
  backward(wgan_critic_loss(r, f));
  CHECK_TENSOR_CLOSE(r.grad().value(), from_vector(std::vector<double>{-0.5, -0.5}, {2}));
  CHECK_TENSOR_CLOSE(f.grad().value(),
                     from_vector(std::vector<double>{1.0 / 3, 1.0 / 3, 1.0 / 3}, {3, 1}));
}

TEST_CASE("wgan_critic_loss: gradcheck for both inputs") {
  CHECK(gradcheck([](const auto& v) { return std::vector{wgan_critic_loss(v[0], v[1])}; },
                  {leaf({-2.0, 0.3, 4.0}, {3}), leaf({-0.7, 1.1}, {2})}));
}

TEST_CASE("wgan_critic_loss: errors name the loss and the input") {
  CHECK_THROWS_WITH_AS(wgan_critic_loss(leaf({1}, {1}), Variable(zeros({0}, kFloat64))),
                       doctest::Contains("wgan_critic_loss: d_fake is empty"), Error);
}

}  // namespace
}  // namespace minidl::losses
