#include <doctest/doctest.h>

#include <cmath>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/classification.h"
#include "tensor/error.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }

TEST_CASE("binary_cross_entropy: known values for each reduction and a weight") {
  const Variable x = leaf({0.5, 0.8}, {2}), y = leaf({1, 0}, {2});
  const double a = std::log(2.0), b = std::log(5.0);
  CHECK(binary_cross_entropy(x, y).item() == doctest::Approx((a + b) / 2));
  CHECK(binary_cross_entropy(x, y, {.reduction = Reduction::Sum}).item() == doctest::Approx(a + b));
  CHECK_TENSOR_CLOSE(binary_cross_entropy(x, y, {.reduction = Reduction::None}).value(),
                     from_vector(std::vector<double>{a, b}, {2}));
  // The weight multiplies each element; the mean still divides by the element count.
  CHECK(binary_cross_entropy(x, y, {.weight = leaf({2, 0.5}, {2})}).item() ==
        doctest::Approx((2 * a + 0.5 * b) / 2));
}

TEST_CASE("binary_cross_entropy: gradcheck for input, target and weight, every reduction") {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    CHECK(gradcheck(
        [r](const auto& v) {
          return std::vector{binary_cross_entropy(v[0], v[1], {.weight = v[2], .reduction = r})};
        },
        {leaf({0.1, 0.6, 0.93, 0.4, 0.25, 0.7}, {2, 3}), leaf({1, 0, 0.3, 0.8, 0, 1}, {2, 3}),
         leaf({0.5, 2.0, 1.2}, {3})}));
  }
}

TEST_CASE("binary_cross_entropy: matches PyTorch") {
  CHECK(testing::check_loss_fixtures("binary_cross_entropy") >= 10);
}

TEST_CASE("binary_cross_entropy: x = 0 and 1 give the clamped loss and PyTorch's capped gradient") {
  // (x, y): (0, 1) certain and wrong; (0, 0) and (1, 1) certain and right; (1, 0) wrong.
  const Variable x = leaf({0, 0, 1, 1}, {4}), y = leaf({1, 0, 1, 0}, {4});
  const Variable loss = binary_cross_entropy(x, y, {.reduction = Reduction::None});
  CHECK_TENSOR_CLOSE(loss.value(), from_vector(std::vector<double>{100, 0, 0, 100}, {4}));
  backward(sum(loss));
  // d/dx = (x - y) / max(x (1 - x), 1e-12); d/dy = clamped log(1 - x) - clamped log x.
  CHECK_TENSOR_CLOSE(x.grad().value(), from_vector(std::vector<double>{-1e12, 0, 0, 1e12}, {4}));
  CHECK_TENSOR_CLOSE(y.grad().value(), from_vector(std::vector<double>{100, 100, -100, -100}, {4}));
  // Just inside the cap the gradient is the true derivative -1/x, e.g. -1e11 at x = 1e-11.
  const Variable z = leaf({1e-11}, {1});
  backward(binary_cross_entropy(z, Variable(ones({1}, kFloat64))));
  CHECK(z.grad().value().at(0) == doctest::Approx(-1e11));
}

TEST_CASE("binary_cross_entropy: errors name the op, the values and the shapes") {
  const Variable x = leaf({0.2, 1.5, 0.3}, {3}), y = leaf({0, 1, 1}, {3});
  CHECK_THROWS_WITH_AS(binary_cross_entropy(x, y),
                       doctest::Contains("binary_cross_entropy: input must hold probabilities in "
                                         "[0, 1], got 1.5 at position 1"),
                       Error);
  CHECK_THROWS_WITH_AS(binary_cross_entropy(leaf({0.2, 0.5}, {2}), y),
                       doctest::Contains("binary_cross_entropy: input [2] and target [3]"), Error);
  CHECK_THROWS_WITH_AS(
      binary_cross_entropy(leaf({0.2, 0.5, 0.3}, {3}), y, {.weight = leaf({1, 2}, {2})}),
      doctest::Contains("binary_cross_entropy: weight [2] does not broadcast to input [3]"), Error);
  CHECK_THROWS_WITH_AS(binary_cross_entropy(Variable(zeros({0})), Variable(zeros({0}))),
                       doctest::Contains("binary_cross_entropy: input is empty"), Error);
  CHECK_THROWS_WITH_AS(
      binary_cross_entropy(leaf({0.2, 0.5, 0.3}, {3}), Variable(zeros({3}, kInt64))),
      doctest::Contains("binary_cross_entropy: target must be float32 or float64"), Error);
}

}  // namespace
}  // namespace minidl::losses
