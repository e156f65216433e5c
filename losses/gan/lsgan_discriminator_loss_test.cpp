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

TEST_CASE("lsgan_discriminator_loss: known value with the 0-1 and the -1/1 codings") {
  const Variable r = leaf({1.0, 3.0}, {2}), f = leaf({0.0, 2.0, -1.0}, {3});
  // 0.5 (0 + 4) / 2 + 0.5 (0 + 4 + 1) / 3
  CHECK(lsgan_discriminator_loss(r, f).item() == doctest::Approx(1.0 + 5.0 / 6));
  // a = -1, b = 1: 0.5 (0 + 4) / 2 + 0.5 (1 + 9 + 0) / 3
  CHECK(lsgan_discriminator_loss(r, f, {.a = -1.0, .b = 1.0, .c = 0.0}).item() ==
        doctest::Approx(1.0 + 10.0 / 6));
  backward(lsgan_discriminator_loss(r, f));
  CHECK_TENSOR_CLOSE(r.grad().value(), from_vector(std::vector<double>{0.0, 1.0}, {2}));
  CHECK_TENSOR_CLOSE(f.grad().value(),
                     from_vector(std::vector<double>{0.0, 2.0 / 3, -1.0 / 3}, {3}));
}

TEST_CASE("lsgan_discriminator_loss: gradcheck for both inputs") {
  CHECK(gradcheck(
      [](const auto& v) {
        return std::vector{lsgan_discriminator_loss(v[0], v[1], {.a = -1, .b = 1, .c = 0})};
      },
      {leaf({-2.0, 0.3, 4.0}, {3}), leaf({-0.7, 1.1}, {2, 1})}));
}

TEST_CASE("lsgan_discriminator_loss: errors name the loss and the value") {
  const Variable d = leaf({1}, {1});
  CHECK_THROWS_WITH_AS(lsgan_discriminator_loss(d, d, {.a = NAN}),
                       doctest::Contains("lsgan_discriminator_loss: a and b must be finite"),
                       Error);
  CHECK_THROWS_WITH_AS(lsgan_discriminator_loss(d, Variable(zeros({0}, kFloat64))),
                       doctest::Contains("lsgan_discriminator_loss: d_fake is empty"), Error);
}

}  // namespace
}  // namespace minidl::losses
