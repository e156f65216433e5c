#include <doctest/doctest.h>

#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/classification_margin.h"
#include "tensor/error.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape, bool grad = true) {
  return Variable(from_vector(v, shape), grad);
}

TEST_CASE("squared_hinge_loss: known values for each reduction") {
  // 1 - y x = {-1, 0.5, 2, 1.2}, squared where positive: {0, 0.25, 4, 1.44}.
  const Variable x = leaf({2, 0.5, -1, 0.2}, {2, 2}), y = leaf({1, 1, 1, -1}, {2, 2}, false);
  CHECK(squared_hinge_loss(x, y).item() == doctest::Approx(1.4225));
  CHECK(squared_hinge_loss(x, y, {.reduction = Reduction::Sum}).item() == doctest::Approx(5.69));
  CHECK_TENSOR_CLOSE(squared_hinge_loss(x, y, {.reduction = Reduction::None}).value(),
                     from_vector(std::vector<double>{0, 0.25, 4, 1.44}, {2, 2}));
  // margin 0.25: {0, 0, 1.5625, 0.2025}
  CHECK(squared_hinge_loss(x, y, {.margin = 0.25, .reduction = Reduction::Sum}).item() ==
        doctest::Approx(1.765));
}

TEST_CASE("squared_hinge_loss: gradcheck for input, every reduction") {
  const Variable y = leaf({1, -1, 1, 1, -1, -1}, {2, 3}, false);
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4}, {2, 3});
    CHECK(gradcheck(
        [&](const auto& v) {
          return std::vector{squared_hinge_loss(v[0], y, {.margin = 1.5, .reduction = r})};
        },
        {x}));
  }
}

TEST_CASE("squared_hinge_loss: matches the reference formula in torch ops") {
  CHECK(testing::check_loss_fixtures("squared_hinge_loss") >= 9);
}

TEST_CASE("squared_hinge_loss: differentiable at the margin (gradient 0), -2 y z inside it") {
  const Variable x = leaf({1.0, -0.5, 0.5}, {3});
  const Variable y = leaf({1, -1, 1}, {3}, false);
  backward(squared_hinge_loss(x, y, {.reduction = Reduction::Sum}));
  // z = 1 - y x = {0, 0.5, 0.5}: -2 y z = {0, 1, -1}
  CHECK_TENSOR_CLOSE(x.grad().value(), from_vector(std::vector<double>{0, 1, -1}, {3}));
}

TEST_CASE("squared_hinge_loss: scores of +-1e4 give a finite loss and gradient") {
  const Variable x = leaf({1e4, -1e4}, {2});
  const Variable y = leaf({-1, -1}, {2}, false);
  const Variable l = squared_hinge_loss(x, y, {.reduction = Reduction::Sum});
  CHECK(l.item() == doctest::Approx((1e4 + 1) * (1e4 + 1)));
  backward(l);
  CHECK_TENSOR_CLOSE(x.grad().value(), from_vector(std::vector<double>{2 * (1e4 + 1), 0}, {2}));
}

TEST_CASE("squared_hinge_loss: labels get no gradient") {
  const Variable x = leaf({0.5, -2.0}, {2}), y = leaf({1, 1}, {2});
  backward(squared_hinge_loss(x, y));
  CHECK_FALSE(y.grad().defined());
}

TEST_CASE("squared_hinge_loss: errors name the op and the offending values") {
  const Variable x = leaf({1, 2, 3}, {3});
  CHECK_THROWS_WITH_AS(squared_hinge_loss(x, leaf({1, -1, 0.5}, {3}, false)),
                       doctest::Contains("squared_hinge_loss: target must hold -1 or +1, got 0.5 "
                                         "at position 2"),
                       Error);
  CHECK_THROWS_WITH_AS(squared_hinge_loss(x, leaf({1, -1, 1, 1}, {2, 2}, false)),
                       doctest::Contains("squared_hinge_loss: input [3] and target [2,2]"), Error);
  CHECK_THROWS_WITH_AS(squared_hinge_loss(Variable(zeros({2, 0})), Variable(zeros({2, 0}))),
                       doctest::Contains("squared_hinge_loss: input is empty"), Error);
}

}  // namespace
}  // namespace minidl::losses
