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

TEST_CASE("log_cosh_loss: known values for each reduction (Keras' documented example)") {
  // Keras: y_true [[0, 1], [0, 0]], y_pred [[1, 1], [0, 0]] -> 0.108 with its default reduction.
  // (Keras' 'sum' gives 0.217: it sums per-sample means over the last axis; ours sums elements.)
  const Variable pred = leaf({1, 1, 0, 0}, {2, 2}), truth = leaf({0, 1, 0, 0}, {2, 2});
  const double lc1 = std::log(std::cosh(1.0));
  CHECK(log_cosh_loss(pred, truth).item() == doctest::Approx(lc1 / 4));
  CHECK(log_cosh_loss(pred, truth).item() == doctest::Approx(0.108).epsilon(0.005));
  CHECK(log_cosh_loss(pred, truth, {.reduction = Reduction::Sum}).item() == doctest::Approx(lc1));
  CHECK_TENSOR_CLOSE(log_cosh_loss(pred, truth, {.reduction = Reduction::None}).value(),
                     from_vector(std::vector<double>{lc1, 0, 0, 0}, {2, 2}), 1e-15);
}

TEST_CASE("log_cosh_loss: accurate near 0, at the branch switch and far out") {
  // Reference values: log cosh d = d^2/2 - d^4/12 + d^6/45 - ... for small d; |d| - log 2 for
  // |d| > 40 (the rest is below 1e-34 relative); std::log(std::cosh(d)) in between.
  const std::vector<double> d = {1e-8,     -3e-5, 1e-3,  -0.999999, 1.0,
                                 1.000001, 5.0,   -50.0, 800.0,     -1e4};
  auto expected = [](double v) {
    const double a = std::abs(v);
    if (a < 1e-2) return v * v / 2 - std::pow(v, 4) / 12 + std::pow(v, 6) / 45;
    if (a > 40) return a - std::log(2.0);
    return std::log(std::cosh(v));
  };
  const Variable x = leaf(d, {10});
  const std::vector<double> got =
      log_cosh_loss(x, Variable(zeros({10}, kFloat64)), {.reduction = Reduction::None})
          .value()
          .to_vector();
  for (std::size_t i = 0; i < d.size(); ++i) {
    CAPTURE(d[i]);
    CHECK(got[i] == doctest::Approx(expected(d[i])).epsilon(1e-14));
  }
}

TEST_CASE("log_cosh_loss: the gradient is tanh(d) everywhere, finite for huge residuals") {
  const std::vector<double> d = {0.0, 1e-9, -0.5, 1.0, -1.0, 3.0, -800.0, 1e4, -1e300};
  const Variable x = leaf(d, {9});
  const Variable loss =
      log_cosh_loss(x, Variable(zeros({9}, kFloat64)), {.reduction = Reduction::Sum});
  CHECK(std::isfinite(loss.item()));
  backward(loss);
  const std::vector<double> g = x.grad().value().to_vector();
  for (std::size_t i = 0; i < d.size(); ++i) {
    CAPTURE(d[i]);
    CHECK(g[i] == doctest::Approx(std::tanh(d[i])).epsilon(1e-15));
  }
}

TEST_CASE("log_cosh_loss: gradcheck for input and target, every reduction") {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -4.0}, {2, 3});
    const Variable y = leaf({0.1, 0.5, -1.0, 0.7, 2.2, 0.0}, {2, 3});
    CHECK(gradcheck(
        [r](const auto& v) { return std::vector{log_cosh_loss(v[0], v[1], {.reduction = r})}; },
        {x, y}));
  }
}

TEST_CASE("log_cosh_loss: smooth, so gradgradcheck passes, d = 0 included") {
  const Variable x = leaf({0.0, 1e-3, -0.9, 1.5, -3.0}, {5});
  const Variable y = leaf({0.0, 0.0, 0.0, 0.0, 0.0}, {5});
  CHECK(gradgradcheck(
      [](const auto& v) {
        return std::vector{log_cosh_loss(v[0], v[1], {.reduction = Reduction::Sum})};
      },
      {x, y}));
}

TEST_CASE("log_cosh_loss: matches the reference in torch ops") {
  CHECK(testing::check_loss_fixtures("log_cosh_loss") >= 5);
}

TEST_CASE("log_cosh_loss: errors name the op and the shapes") {
  const Variable x = leaf({1, 2}, {2, 1}), y = leaf({1, 2}, {2});
  CHECK_THROWS_WITH_AS(log_cosh_loss(x, y),
                       doctest::Contains("log_cosh_loss: input [2,1] and target [2]"), Error);
  CHECK_THROWS_WITH_AS(log_cosh_loss(Variable(zeros({3, 0})), Variable(zeros({3, 0}))),
                       doctest::Contains("log_cosh_loss: input is empty"), Error);
  CHECK_THROWS_WITH_AS(log_cosh_loss(Variable(zeros({2}, kInt64)), y),
                       doctest::Contains("log_cosh_loss: input must be float32 or float64"), Error);
}

}  // namespace
}  // namespace minidl::losses
