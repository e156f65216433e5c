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

TEST_CASE("lsgan_generator_loss: known value and gradient") {
  const Variable f = leaf({1.0, 3.0, -1.0}, {3});
  CHECK(lsgan_generator_loss(f).item() == doctest::Approx(0.5 * (0 + 4 + 4) / 3));
  CHECK(lsgan_generator_loss(f, {.c = 0.0}).item() == doctest::Approx(0.5 * (1 + 9 + 1) / 3));
  backward(lsgan_generator_loss(f));
  CHECK_TENSOR_CLOSE(f.grad().value(), from_vector(std::vector<double>{0, 2.0 / 3, -2.0 / 3}, {3}));
}

TEST_CASE("lsgan_generator_loss: gradcheck") {
  CHECK(gradcheck([](const auto& v) { return std::vector{lsgan_generator_loss(v[0], {.c = 0.5})}; },
                  {leaf({-2.0, 0.3, 4.0}, {3})}));
}

TEST_CASE("lsgan_generator_loss: errors name the loss and the value") {
  CHECK_THROWS_WITH_AS(lsgan_generator_loss(leaf({1}, {1}), {.c = INFINITY}),
                       doctest::Contains("lsgan_generator_loss: c must be finite, got inf"), Error);
}

}  // namespace
}  // namespace minidl::losses
