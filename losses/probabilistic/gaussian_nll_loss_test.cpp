#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/probabilistic.h"
#include "tensor/error.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }

TEST_CASE("gaussian_nll_loss: known values") {
  const Variable x = leaf({1.0}, {1}), y = leaf({3.0}, {1}), var = leaf({4.0}, {1});
  // 0.5 (log 4 + (1 - 3)^2 / 4)
  const double l = 0.5 * (std::log(4.0) + 1.0);
  CHECK(gaussian_nll_loss(x, y, var).item() == doctest::Approx(l));
  CHECK(gaussian_nll_loss(x, y, var, {.full = true}).item() ==
        doctest::Approx(l + 0.5 * std::log(2 * std::numbers::pi)));
}

TEST_CASE("gaussian_nll_loss: gradcheck for input, target and var, every reduction and shape") {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4}, {2, 3});
    const Variable y = leaf({0.1, 0.5, -1.0, 0.7, 2.2, 0.0}, {2, 3});
    for (const Variable& var : {leaf({0.5, 1.5, 0.2, 2.0, 0.9, 0.3}, {2, 3}), leaf({0.5, 1.5}, {2}),
                                leaf({0.7, 0.4}, {2, 1})}) {
      CHECK(gradcheck(
          [r](const auto& v) {
            return std::vector{gaussian_nll_loss(v[0], v[1], v[2], {.full = true, .reduction = r})};
          },
          {x, y, var}));
    }
  }
}

TEST_CASE("gaussian_nll_loss: matches PyTorch") {
  CHECK(testing::check_loss_fixtures("gaussian_nll_loss") >= 15);
}

TEST_CASE(
    "gaussian_nll_loss: var below eps is clamped with the gradient passing straight through") {
  const double eps = 1e-6;
  const Variable x = leaf({0.1, 0.2}, {2}), y = leaf({0.0, 0.2}, {2}), var = leaf({1e-8, 0.0}, {2});
  const Variable l = gaussian_nll_loss(x, y, var, {.reduction = Reduction::None});
  CHECK(l.value().at(0) == doctest::Approx(0.5 * (std::log(eps) + 0.01 / eps)));
  CHECK(l.value().at(1) == doctest::Approx(0.5 * std::log(eps)));
  backward(sum(l));
  // The gradient at v = eps, as if unclamped (PyTorch clamps under no_grad), not 0.
  CHECK(var.grad().value().at(0) == doctest::Approx(0.5 * (1 / eps - 0.01 / (eps * eps))));
  CHECK(var.grad().value().at(1) == doctest::Approx(0.5 / eps));
  CHECK(x.grad().value().at(0) == doctest::Approx(0.1 / eps));
}

TEST_CASE("gaussian_nll_loss: a shared variance per row sums its row's gradients") {
  const Variable x = leaf({1, 2, 3, 4}, {2, 2}), y = leaf({0, 0, 0, 0}, {2, 2});
  const Variable row = leaf({2.0, 3.0}, {2});
  const Variable col = Variable(from_vector(std::vector<double>{2.0, 3.0}, {2, 1}), true);
  const Variable a = gaussian_nll_loss(x, y, row, {.reduction = Reduction::None});
  const Variable b = gaussian_nll_loss(x, y, col, {.reduction = Reduction::None});
  CHECK(a.shape() == Shape{2, 2});
  CHECK_TENSOR_CLOSE(a.value(), b.value());
  backward(sum(a));
  // d/dv sum_j 0.5 (log v + d_j^2 / v) = sum_j 0.5 (1 / v - d_j^2 / v^2)
  CHECK(row.grad().value().at(0) == doctest::Approx(0.5 * (2 / 2.0 - 5 / 4.0)));
}

TEST_CASE("gaussian_nll_loss: errors name the op, the shapes and the values") {
  const Variable x = leaf({1, 2, 3, 4}, {2, 2}), y = leaf({1, 2, 3, 4}, {2, 2});
  CHECK_THROWS_WITH_AS(
      gaussian_nll_loss(x, y, leaf({1, 1, 1}, {3})),
      doctest::Contains("gaussian_nll_loss: var [3] must have input's shape [2,2]"), Error);
  CHECK_THROWS_WITH_AS(gaussian_nll_loss(x, y, leaf({1, -0.5, 1, 1}, {2, 2})),
                       doctest::Contains("gaussian_nll_loss: var must be >= 0, got -0.5"), Error);
  CHECK_THROWS_WITH_AS(gaussian_nll_loss(x, leaf({1, 2}, {2}), leaf({1, 1}, {2})),
                       doctest::Contains("gaussian_nll_loss: input [2,2] and target [2]"), Error);
  CHECK_THROWS_WITH_AS(
      gaussian_nll_loss(Variable(zeros({0, 2})), Variable(zeros({0, 2})), Variable(zeros({0}))),
      doctest::Contains("gaussian_nll_loss: input is empty"), Error);
  CHECK_THROWS_WITH_AS(gaussian_nll_loss(x, y, Variable(ones({2, 2}, kInt64))),
                       doctest::Contains("gaussian_nll_loss: var must be float32 or float64"),
                       Error);
}

}  // namespace
}  // namespace minidl::losses
