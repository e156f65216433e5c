#include <doctest/doctest.h>

#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/regularization.h"
#include "tensor/error.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }

TEST_CASE("l1_penalty: known value over several tensors") {
  const Variable w = leaf({1, -2, 0, 3}, {2, 2}), b = leaf({-0.5, 0.5}, {2});
  CHECK(l1_penalty({w, b}).item() == doctest::Approx(7.0));
  CHECK(l1_penalty({w, b}, {.l1 = 0.01}).item() == doctest::Approx(0.07));
}

TEST_CASE("l1_penalty: gradcheck for every parameter") {
  const Variable w = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4}, {2, 3});
  const Variable b = leaf({0.5, -0.25}, {2});
  CHECK(gradcheck(
      [](const auto& v) {
        return std::vector{l1_penalty({v[0], v[1]}, {.l1 = 0.3})};
      },
      {w, b}));
}

TEST_CASE("l1_penalty: gradient is l1 sign(w), with subgradient 0 at w = 0") {
  const Variable w = leaf({2.0, -3.0, 0.0}, {3});
  backward(l1_penalty({w}, {.l1 = 0.5}));
  CHECK_TENSOR_CLOSE(w.grad().value(), from_vector(std::vector<double>{0.5, -0.5, 0.0}, {3}));
}

TEST_CASE("l1_penalty: matches the reference formula") {
  CHECK(testing::check_loss_fixtures("l1_penalty") >= 5);
}

TEST_CASE("l1_penalty: float32 parameters give a float32 penalty") {
  const Variable w(from_vector(std::vector<float>{1, -2}, {2}), true);
  const Variable p = l1_penalty({w});
  CHECK(p.dtype() == kFloat32);
  CHECK(p.item() == doctest::Approx(3.0));
}

TEST_CASE("l1_penalty: errors name the loss and the parameter") {
  CHECK_THROWS_WITH_AS(l1_penalty({}), doctest::Contains("l1_penalty: no parameters given"), Error);
  const Variable w = leaf({1, 2}, {2});
  CHECK_THROWS_WITH_AS(l1_penalty({w, Variable(zeros({0}))}),
                       doctest::Contains("l1_penalty: params[1] is empty"), Error);
  CHECK_THROWS_WITH_AS(l1_penalty({w, Variable()}),
                       doctest::Contains("l1_penalty: params[1] is undefined"), Error);
  CHECK_THROWS_WITH_AS(l1_penalty({Variable(zeros({2}, kInt64))}),
                       doctest::Contains("l1_penalty: params[0] must be float32 or float64"),
                       Error);
  CHECK_THROWS_WITH_AS(l1_penalty({w}, {.l1 = -1.0}),
                       doctest::Contains("l1_penalty: l1 must be a finite number >= 0, got -1"),
                       Error);
}

}  // namespace
}  // namespace minidl::losses
