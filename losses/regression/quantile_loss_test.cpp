#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "autograd/tape.h"
#include "losses/regression.h"
#include "tensor/error.h"
#include "tensor/ops.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }

TEST_CASE("quantile_loss: known values for each reduction") {
  // TF Addons' documented example: pinball_loss(y_true [0, 0, 1, 1], y_pred [1, 1, 1, 0],
  // tau 0.1) = (0.9 + 0.9 + 0 + 0.1) / 4 = 0.475.
  const Variable pred = leaf({1, 1, 1, 0}, {4}), truth = leaf({0, 0, 1, 1}, {4});
  CHECK(quantile_loss(pred, truth, {.quantile = 0.1}).item() == doctest::Approx(0.475));
  CHECK(quantile_loss(pred, truth, {.quantile = 0.1, .reduction = Reduction::Sum}).item() ==
        doctest::Approx(1.9));
  CHECK_TENSOR_CLOSE(
      quantile_loss(pred, truth, {.quantile = 0.1, .reduction = Reduction::None}).value(),
      from_vector(std::vector<double>{0.9, 0.9, 0, 0.1}, {4}));
}

TEST_CASE("quantile_loss: gradcheck for input and target, every reduction and several q") {
  for (double q : {0.1, 0.5, 0.9}) {
    for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
      const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4}, {2, 3});
      const Variable y = leaf({0.1, 0.5, -1.0, 0.9, 2.2, 0.0}, {2, 3});
      CHECK(gradcheck(
          [=](const auto& v) {
            return std::vector{quantile_loss(v[0], v[1], {.quantile = q, .reduction = r})};
          },
          {x, y}));
    }
  }
}

TEST_CASE("quantile_loss: slopes -q below the target, 1 - q above, subgradient 0 on it") {
  const Variable x = leaf({-1.0, 2.0, 0.5}, {3}), y = leaf({0.0, 0.0, 0.5}, {3});
  backward(quantile_loss(x, y, {.quantile = 0.9, .reduction = Reduction::Sum}));
  const std::vector<double> gx = x.grad().value().to_vector(), gy = y.grad().value().to_vector();
  CHECK(gx[0] == doctest::Approx(-0.9));
  CHECK(gx[1] == doctest::Approx(0.1));
  CHECK(gx[2] == 0);
  CHECK(gy[0] == doctest::Approx(0.9));
  CHECK(gy[1] == doctest::Approx(-0.1));
  CHECK(gy[2] == 0);
}

TEST_CASE("quantile_loss: q = 0.5 is half of l1_loss, gradients included") {
  const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.0}, {5}),
                 y = leaf({0.1, 0.5, -1.0, 0.9, 0.0}, {5});
  const Variable qv = quantile_loss(x, y);
  const Variable l1 = l1_loss(x, y);
  CHECK(qv.item() == doctest::Approx(0.5 * l1.item()).epsilon(1e-15));
  const Variable gq = grad({qv}, {x})[0], gl = grad({l1}, {x})[0];
  CHECK_TENSOR_CLOSE(gq.value(), minidl::mul(gl.value(), 0.5), 1e-15, 1e-300);
}

TEST_CASE("quantile_loss: a constant prediction is best at the q-th quantile of the targets") {
  // Targets 0..99: for q = 0.9 any c in [89, 90] minimises the mean loss (90 targets at or
  // below 89, 90 strictly below 90), so on the integer grid the minimum sits at 89 or 90.
  std::vector<double> t(100);
  for (int i = 0; i < 100; ++i) t[i] = i;
  const Variable target(from_vector(t, {100}));
  double best = std::numeric_limits<double>::infinity();
  int arg = -1;
  for (int c = 0; c < 100; ++c) {
    const double l =
        quantile_loss(Variable(full({100}, c, kFloat64)), target, {.quantile = 0.9}).item();
    if (l < best - 1e-12) best = l, arg = c;
  }
  CHECK((arg == 89 || arg == 90));
}

TEST_CASE("quantile_loss: huge residuals give a finite loss and gradient") {
  const Variable x = leaf({1e300, -1e300}, {2}), y = leaf({-1e300, 1e300}, {2});
  const Variable loss = quantile_loss(x, y, {.quantile = 0.25});
  CHECK(std::isfinite(loss.item()));
  backward(loss);
  CHECK_TENSOR_CLOSE(x.grad().value(), from_vector(std::vector<double>{0.375, -0.125}, {2}));
}

TEST_CASE("quantile_loss: matches the reference in torch ops") {
  CHECK(testing::check_loss_fixtures("quantile_loss") >= 12);
}

TEST_CASE("quantile_loss: errors name the op and the values") {
  const Variable x = leaf({1, 2}, {2}), y = leaf({1, 2}, {2});
  CHECK_THROWS_WITH_AS(quantile_loss(x, y, {.quantile = 1.5}),
                       doctest::Contains("quantile_loss: quantile must be in (0, 1), got 1.5"),
                       Error);
  CHECK_THROWS_WITH_AS(quantile_loss(x, y, {.quantile = 0}),
                       doctest::Contains("quantile_loss: quantile must be in (0, 1), got 0"),
                       Error);
  CHECK_THROWS_WITH_AS(quantile_loss(x, y, {.quantile = std::nan("")}),
                       doctest::Contains("quantile_loss: quantile must be in (0, 1)"), Error);
  CHECK_THROWS_WITH_AS(quantile_loss(x, leaf({1, 2}, {2, 1})),
                       doctest::Contains("quantile_loss: input [2] and target [2,1]"), Error);
  CHECK_THROWS_WITH_AS(quantile_loss(Variable(zeros({0})), Variable(zeros({0}))),
                       doctest::Contains("quantile_loss: input is empty"), Error);
  CHECK_THROWS_WITH_AS(quantile_loss(x, Variable(zeros({2}, kInt64))),
                       doctest::Contains("quantile_loss: target must be float32 or float64"),
                       Error);
}

}  // namespace
}  // namespace minidl::losses
