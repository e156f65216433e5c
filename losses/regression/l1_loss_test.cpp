#include <doctest/doctest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/regression.h"
#include "tensor/error.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }

TEST_CASE("l1_loss: known values for each reduction") {
  const Variable x = leaf({1, 2, 3, 4}, {2, 2}), y = leaf({0, 2, 5, 4.5}, {2, 2});
  CHECK(l1_loss(x, y).item() == doctest::Approx(3.5 / 4));
  CHECK(l1_loss(x, y, {.reduction = Reduction::Sum}).item() == doctest::Approx(3.5));
  CHECK_TENSOR_CLOSE(l1_loss(x, y, {.reduction = Reduction::None}).value(),
                     from_vector(std::vector<double>{1, 0, 2, 0.5}, {2, 2}));
}

TEST_CASE("l1_loss: gradcheck for input and target, every reduction") {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4}, {2, 3});
    const Variable y = leaf({0.1, 0.5, -1.0, 0.9, 2.2, 0.0}, {2, 3});
    CHECK(gradcheck(
        [r](const auto& v) { return std::vector{l1_loss(v[0], v[1], {.reduction = r})}; }, {x, y}));
  }
}

TEST_CASE("l1_loss: the subgradient at input == target is 0, as PyTorch's sign(0)") {
  const Variable x = leaf({1.5, -2.0, 0.0}, {3}), y = leaf({1.5, 1.0, -4.0}, {3});
  backward(l1_loss(x, y, {.reduction = Reduction::Sum}));
  CHECK(x.grad().value().to_vector() == std::vector<double>{0, -1, 1});
  CHECK(y.grad().value().to_vector() == std::vector<double>{0, 1, -1});
}

TEST_CASE("l1_loss: huge residuals give a finite loss and unit gradients") {
  const Variable x = leaf({1e4, -1e150}, {2}), y = leaf({-1e4, 1e150}, {2});
  const Variable loss = l1_loss(x, y);
  CHECK(loss.item() == doctest::Approx(0.5 * (2e4 + 2e150)));
  backward(loss);
  CHECK(x.grad().value().to_vector() == std::vector<double>{0.5, -0.5});
}

TEST_CASE("l1_loss: matches PyTorch") { CHECK(testing::check_loss_fixtures("l1_loss") >= 10); }

TEST_CASE("l1_loss: errors name the op and the shapes") {
  const Variable x = leaf({1, 2, 3}, {3}), y = leaf({1, 2, 3}, {3, 1});
  CHECK_THROWS_WITH_AS(l1_loss(x, y), doctest::Contains("l1_loss: input [3] and target [3,1]"),
                       Error);
  CHECK_THROWS_WITH_AS(l1_loss(Variable(zeros({0, 2})), Variable(zeros({0, 2}))),
                       doctest::Contains("l1_loss: input is empty"), Error);
  CHECK_THROWS_WITH_AS(l1_loss(Variable(zeros({2})), Variable(zeros({2}, kInt64))),
                       doctest::Contains("l1_loss: target must be float32 or float64"), Error);
}

}  // namespace
}  // namespace minidl::losses
