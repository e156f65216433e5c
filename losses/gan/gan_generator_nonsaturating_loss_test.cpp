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

TEST_CASE("gan_generator_nonsaturating_loss: known value and gradient") {
  const Variable f = leaf({0.0, std::log(3.0)}, {2, 1});
  // -log(1/2) and -log(3/4).
  CHECK(gan_generator_nonsaturating_loss(f).item() ==
        doctest::Approx((std::log(2.0) + std::log(4.0 / 3.0)) / 2));
  backward(gan_generator_nonsaturating_loss(f));
  CHECK_TENSOR_CLOSE(f.grad().value(), from_vector(std::vector<double>{-0.25, -0.125}, {2, 1}));
}

TEST_CASE("gan_generator_nonsaturating_loss: gradcheck") {
  CHECK(gradcheck([](const auto& v) { return std::vector{gan_generator_nonsaturating_loss(v[0])}; },
                  {leaf({-2.0, 0.3, 4.0, 0.0, 1.5}, {5})}));
}

TEST_CASE("gan_generator_nonsaturating_loss: logits of +-1e4 are finite; errors name the loss") {
  const Variable f = leaf({1e4, -1e4}, {2});
  CHECK(gan_generator_nonsaturating_loss(f).item() == doctest::Approx(5e3));
  backward(gan_generator_nonsaturating_loss(f));
  CHECK_TENSOR_CLOSE(f.grad().value(), from_vector(std::vector<double>{0.0, -0.5}, {2}));
  CHECK_THROWS_WITH_AS(gan_generator_nonsaturating_loss(Variable(zeros({2}, kInt64))),
                       doctest::Contains("gan_generator_nonsaturating_loss: d_fake must be float"),
                       Error);
}

}  // namespace
}  // namespace minidl::losses
