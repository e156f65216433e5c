#include <doctest/doctest.h>

#include "autograd/gradcheck.h"
#include "losses/regression.h"
#include "tensor/error.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }

TEST_CASE("mse_loss: known values for each reduction") {
  const Variable x = leaf({1, 2, 3, 4}, {2, 2}), y = leaf({0, 2, 5, 4}, {2, 2});
  CHECK(mse_loss(x, y).item() == doctest::Approx(1.25));
  CHECK(mse_loss(x, y, {.reduction = Reduction::Sum}).item() == doctest::Approx(5.0));
  CHECK_TENSOR_CLOSE(mse_loss(x, y, {.reduction = Reduction::None}).value(),
                     from_vector(std::vector<double>{1, 0, 4, 0}, {2, 2}));
}

TEST_CASE("mse_loss: gradcheck for input and target, every reduction") {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4}, {2, 3});
    const Variable y = leaf({0.1, 0.5, -1.0, 0.7, 2.2, 0.0}, {2, 3});
    CHECK(gradcheck(
        [r](const auto& v) { return std::vector{mse_loss(v[0], v[1], {.reduction = r})}; },
        {x, y}));
  }
}

TEST_CASE("mse_loss: matches PyTorch") { CHECK(testing::check_loss_fixtures("mse_loss") >= 3); }

TEST_CASE("mse_loss: errors name the op and the shapes") {
  const Variable x = leaf({1, 2, 3}, {3}), y = leaf({1, 2}, {2});
  CHECK_THROWS_WITH_AS(mse_loss(x, y), doctest::Contains("mse_loss: input [3] and target [2]"),
                       Error);
  CHECK_THROWS_WITH_AS(mse_loss(Variable(zeros({0})), Variable(zeros({0}))),
                       doctest::Contains("mse_loss: input is empty"), Error);
  CHECK_THROWS_WITH_AS(mse_loss(Variable(zeros({2}, kInt64)), Variable(zeros({2}))),
                       doctest::Contains("must be float32 or float64"), Error);
}

}  // namespace
}  // namespace minidl::losses
