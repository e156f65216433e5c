#include <doctest/doctest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "autograd/tape.h"
#include "losses/regression.h"
#include "tensor/error.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }

TEST_CASE("smooth_l1_loss: known values for each reduction") {
  // d = 0.5, -2, 0, 1 with beta 1: 0.5 * 0.25, 2 - 0.5, 0, 1 - 0.5 (the kink, both pieces agree)
  const Variable x = leaf({1.5, 0, 3, 4}, {2, 2}), y = leaf({1, 2, 3, 3}, {2, 2});
  CHECK(smooth_l1_loss(x, y).item() == doctest::Approx(2.125 / 4));
  CHECK(smooth_l1_loss(x, y, {.reduction = Reduction::Sum}).item() == doctest::Approx(2.125));
  CHECK_TENSOR_CLOSE(smooth_l1_loss(x, y, {.reduction = Reduction::None}).value(),
                     from_vector(std::vector<double>{0.125, 1.5, 0, 0.5}, {2, 2}));
  // beta 4: everything inside the parabola, 0.5 d^2 / 4
  CHECK_TENSOR_CLOSE(smooth_l1_loss(x, y, {.beta = 4, .reduction = Reduction::None}).value(),
                     from_vector(std::vector<double>{0.03125, 0.5, 0, 0.125}, {2, 2}));
}

TEST_CASE("smooth_l1_loss: gradcheck for input and target, every reduction and several betas") {
  for (double beta : {0.0, 0.3, 1.0, 2.5}) {
    for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
      const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4}, {2, 3});
      const Variable y = leaf({0.1, 0.5, -1.0, 0.9, 2.2, 0.0}, {2, 3});
      CHECK(gradcheck(
          [=](const auto& v) {
            return std::vector{smooth_l1_loss(v[0], v[1], {.beta = beta, .reduction = r})};
          },
          {x, y}));
    }
  }
}

TEST_CASE("smooth_l1_loss: at |d| = beta the pieces meet with slope +-1; at d = 0 slope 0") {
  const double beta = 0.5;
  const Variable x = leaf({0.5, -0.5, 2.0}, {3}), y = leaf({0, 0, 2.0}, {3});
  const Variable loss = smooth_l1_loss(x, y, {.beta = beta, .reduction = Reduction::None});
  CHECK(loss.value().to_vector() == std::vector<double>{0.25, 0.25, 0});
  backward(loss, Variable(ones({3}, kFloat64)));
  CHECK(x.grad().value().to_vector() == std::vector<double>{1, -1, 0});
}

// PyTorch 1.13 gives -1 at d = 0 here (for input and target); minidl keeps l1_loss's 0.
TEST_CASE("smooth_l1_loss: beta = 0 is exactly l1_loss, subgradient 0 at d = 0 included") {
  const Variable x = leaf({0.3, -1.2, 2.0, 0.0}, {4}), y = leaf({0.1, 0.5, 2.0, 0.0}, {4});
  const Variable s = smooth_l1_loss(x, y, {.beta = 0, .reduction = Reduction::None});
  CHECK(s.value().to_vector() == l1_loss(x, y, {.reduction = Reduction::None}).value().to_vector());
  backward(sum(s));
  CHECK(x.grad().value().to_vector() == std::vector<double>{1, -1, 0, 0});
}

TEST_CASE("smooth_l1_loss: huge residuals give a finite loss and finite gradient") {
  const Variable x = leaf({1e4, -1e300, 1e-6}, {3}), y = leaf({-1e4, 1e300, 0}, {3});
  const Variable loss = smooth_l1_loss(x, y, {.beta = 1e-3, .reduction = Reduction::Sum});
  CHECK(std::isfinite(loss.item()));
  backward(loss);
  const std::vector<double> g = x.grad().value().to_vector();
  CHECK(g[0] == 1);
  CHECK(g[1] == -1);
  CHECK(g[2] == doctest::Approx(1e-3));  // inside the parabola: d / beta
}

TEST_CASE("smooth_l1_loss: matches PyTorch") {
  CHECK(testing::check_loss_fixtures("smooth_l1_loss") >= 20);
}

TEST_CASE("smooth_l1_loss: errors name the op and the values") {
  const Variable x = leaf({1, 2}, {2}), y = leaf({1, 2}, {2});
  CHECK_THROWS_WITH_AS(smooth_l1_loss(x, y, {.beta = -1}),
                       doctest::Contains("smooth_l1_loss: beta must be non-negative, got -1"),
                       Error);
  CHECK_THROWS_WITH_AS(smooth_l1_loss(x, leaf({1, 2}, {1, 2})),
                       doctest::Contains("smooth_l1_loss: input [2] and target [1,2]"), Error);
  CHECK_THROWS_WITH_AS(smooth_l1_loss(Variable(zeros({0})), Variable(zeros({0}))),
                       doctest::Contains("smooth_l1_loss: input is empty"), Error);
  CHECK_THROWS_WITH_AS(smooth_l1_loss(Variable(zeros({2}, kInt64)), y),
                       doctest::Contains("smooth_l1_loss: input must be float32 or float64"),
                       Error);
}

}  // namespace
}  // namespace minidl::losses
