#include <doctest/doctest.h>

#include <cmath>

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

TEST_CASE("binary_hinge_loss: known values for each reduction") {
  // 1 - y x = {-1, 0.5, 2, 1.2}: the first sample is beyond the margin and costs nothing.
  const Variable x = leaf({2, 0.5, -1, 0.2}, {2, 2}), y = leaf({1, 1, 1, -1}, {2, 2}, false);
  CHECK(binary_hinge_loss(x, y).item() == doctest::Approx(0.925));
  CHECK(binary_hinge_loss(x, y, {.reduction = Reduction::Sum}).item() == doctest::Approx(3.7));
  CHECK_TENSOR_CLOSE(binary_hinge_loss(x, y, {.reduction = Reduction::None}).value(),
                     from_vector(std::vector<double>{0, 0.5, 2, 1.2}, {2, 2}));
  // margin 0.25: {0, 0, 1.25, 0.45}
  CHECK(binary_hinge_loss(x, y, {.margin = 0.25, .reduction = Reduction::Sum}).item() ==
        doctest::Approx(1.7));
}

TEST_CASE("binary_hinge_loss: gradcheck for input, every reduction") {
  const Variable y = leaf({1, -1, 1, 1, -1, -1}, {2, 3}, false);
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4}, {2, 3});
    CHECK(gradcheck(
        [&](const auto& v) {
          return std::vector{binary_hinge_loss(v[0], y, {.margin = 1.5, .reduction = r})};
        },
        {x}));
  }
}

TEST_CASE("binary_hinge_loss: matches the reference formula in torch ops") {
  CHECK(testing::check_loss_fixtures("binary_hinge_loss") >= 9);
}

TEST_CASE("binary_hinge_loss: subgradient 0 on the margin, -y just inside it") {
  const Variable x = leaf({1.0, -0.5, 1.0 - 1e-9}, {3});
  const Variable y = leaf({1, -1, 1}, {3}, false);
  backward(binary_hinge_loss(x, y, {.reduction = Reduction::Sum}));
  CHECK_TENSOR_CLOSE(x.grad().value(), from_vector(std::vector<double>{0, 1, -1}, {3}));
}

TEST_CASE("binary_hinge_loss: scores of +-1e4 give a finite loss and gradient") {
  const Variable x = leaf({1e4, -1e4}, {2});
  const Variable y = leaf({-1, -1}, {2}, false);
  const Variable l = binary_hinge_loss(x, y, {.reduction = Reduction::Sum});
  CHECK(l.item() == doctest::Approx(1e4 + 1));
  backward(l);
  CHECK_TENSOR_CLOSE(x.grad().value(), from_vector(std::vector<double>{1, 0}, {2}));
}

TEST_CASE("binary_hinge_loss: labels get no gradient, float32 stays float32") {
  const Variable x(from_vector(std::vector<float>{0.5f, -2.0f}), true);
  const Variable y(from_vector(std::vector<float>{1.0f, 1.0f}), true);
  const Variable l = binary_hinge_loss(x, y);
  CHECK(l.dtype() == kFloat32);
  backward(l);
  CHECK_FALSE(y.grad().defined());
  CHECK_TENSOR_CLOSE(x.grad().value(), from_vector(std::vector<float>{-0.5f, -0.5f}));
}

TEST_CASE("binary_hinge_loss: errors name the op and the offending values") {
  const Variable x = leaf({1, 2, 3}, {3});
  CHECK_THROWS_WITH_AS(binary_hinge_loss(x, leaf({1, 0, -1}, {3}, false)),
                       doctest::Contains("binary_hinge_loss: target must hold -1 or +1, got 0 at "
                                         "position 1"),
                       Error);
  CHECK_THROWS_WITH_AS(binary_hinge_loss(x, leaf({1, -1}, {2}, false)),
                       doctest::Contains("binary_hinge_loss: input [3] and target [2]"), Error);
  CHECK_THROWS_WITH_AS(binary_hinge_loss(Variable(zeros({0})), Variable(zeros({0}))),
                       doctest::Contains("binary_hinge_loss: input is empty"), Error);
  CHECK_THROWS_WITH_AS(binary_hinge_loss(x, Variable(ones({3}, kInt64))),
                       doctest::Contains("binary_hinge_loss: target must be float32 or float64"),
                       Error);
}

}  // namespace
}  // namespace minidl::losses
