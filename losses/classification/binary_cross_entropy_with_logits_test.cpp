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

TEST_CASE("binary_cross_entropy_with_logits: known values, reductions, pos_weight") {
  // sigmoid(0) = 1/2 and sigmoid(ln 3) = 3/4.
  const Variable x = leaf({0, std::log(3.0)}, {1, 2}), y = leaf({1, 0}, {1, 2});
  const double a = std::log(2.0), b = std::log(4.0);
  CHECK(binary_cross_entropy_with_logits(x, y).item() == doctest::Approx((a + b) / 2));
  CHECK(binary_cross_entropy_with_logits(x, y, {.reduction = Reduction::Sum}).item() ==
        doctest::Approx(a + b));
  CHECK_TENSOR_CLOSE(binary_cross_entropy_with_logits(x, y, {.reduction = Reduction::None}).value(),
                     from_vector(std::vector<double>{a, b}, {1, 2}));
  // pos_weight scales the positive term only: 3 a for the first element, b for the second.
  CHECK(binary_cross_entropy_with_logits(
            x, y, {.pos_weight = leaf({3, 3}, {2}), .reduction = Reduction::Sum})
            .item() == doctest::Approx(3 * a + b));
  CHECK(binary_cross_entropy_with_logits(
            x, y, {.weight = leaf({0.5, 2}, {2}), .reduction = Reduction::Sum})
            .item() == doctest::Approx(0.5 * a + 2 * b));
}

TEST_CASE("binary_cross_entropy_with_logits: gradcheck for every input, every reduction") {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    CHECK(gradcheck(
        [r](const auto& v) {
          return std::vector{binary_cross_entropy_with_logits(
              v[0], v[1], {.weight = v[2], .pos_weight = v[3], .reduction = r})};
        },
        {leaf({-2.0, 0.3, 4.0, 0.0, -0.7, 1.1}, {2, 3}), leaf({1, 0, 0.3, 0.8, 0, 1}, {2, 3}),
         leaf({0.5, 2.0}, {2, 1}), leaf({3.0, 0.5, 1.2}, {3})}));
  }
}

TEST_CASE("binary_cross_entropy_with_logits: matches PyTorch") {
  CHECK(testing::check_loss_fixtures("binary_cross_entropy_with_logits") >= 12);
}

TEST_CASE("binary_cross_entropy_with_logits: the gradient at x = 0 is sigmoid(0) - y") {
  const Variable x = leaf({0, 0, 0}, {3}), y = leaf({1, 0, 0.25}, {3});
  backward(binary_cross_entropy_with_logits(x, y, {.reduction = Reduction::Sum}));
  CHECK_TENSOR_CLOSE(x.grad().value(), from_vector(std::vector<double>{-0.5, 0.5, 0.25}, {3}));
}

TEST_CASE("binary_cross_entropy_with_logits: logits of +-1e4 give a finite loss and gradient") {
  const Variable x = leaf({1e4, -1e4, 1e4, -1e4}, {4}), y = leaf({1, 0, 0, 1}, {4});
  const Variable loss = binary_cross_entropy_with_logits(x, y, {.reduction = Reduction::None});
  CHECK_TENSOR_CLOSE(loss.value(), from_vector(std::vector<double>{0, 0, 1e4, 1e4}, {4}));
  backward(sum(loss));
  CHECK_TENSOR_CLOSE(x.grad().value(), from_vector(std::vector<double>{0, 0, 1, -1}, {4}));
  for (double g : y.grad().value().to_vector()) CHECK(std::isfinite(g));
}

TEST_CASE("binary_cross_entropy_with_logits: errors name the op and the shapes") {
  const Variable x = leaf({0.2, 1.5, 0.3}, {3}), y = leaf({0, 1, 1}, {3});
  CHECK_THROWS_WITH_AS(binary_cross_entropy_with_logits(leaf({1, 2}, {2}), y),
                       doctest::Contains("binary_cross_entropy_with_logits: input [2] and "
                                         "target [3]"),
                       Error);
  CHECK_THROWS_WITH_AS(binary_cross_entropy_with_logits(x, y, {.pos_weight = leaf({1, 2}, {2})}),
                       doctest::Contains("binary_cross_entropy_with_logits: pos_weight [2] does "
                                         "not broadcast to input [3]"),
                       Error);
  CHECK_THROWS_WITH_AS(binary_cross_entropy_with_logits(x, y, {.weight = leaf({1, 2}, {2, 1})}),
                       doctest::Contains("weight [2,1] does not broadcast to input [3]"), Error);
  CHECK_THROWS_WITH_AS(binary_cross_entropy_with_logits(Variable(zeros({0})), Variable(zeros({0}))),
                       doctest::Contains("binary_cross_entropy_with_logits: input is empty"),
                       Error);
}

}  // namespace
}  // namespace minidl::losses
