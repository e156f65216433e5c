#include <doctest/doctest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/regression.h"
#include "tensor/error.h"
#include "tensor/ops.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }

TEST_CASE("huber_loss: known values for each reduction") {
  // d = 0.5, -2, 0, 1 with delta 1: 0.5 * 0.25, 1 * (2 - 0.5), 0, 1 * (1 - 0.5)
  const Variable x = leaf({1.5, 0, 3, 4}, {2, 2}), y = leaf({1, 2, 3, 3}, {2, 2});
  CHECK(huber_loss(x, y).item() == doctest::Approx(2.125 / 4));
  CHECK(huber_loss(x, y, {.reduction = Reduction::Sum}).item() == doctest::Approx(2.125));
  // delta 0.5: 0.5 * (0.5 - 0.25) at the kink, 0.5 * (2 - 0.25), 0, 0.5 * (1 - 0.25)
  CHECK_TENSOR_CLOSE(huber_loss(x, y, {.delta = 0.5, .reduction = Reduction::None}).value(),
                     from_vector(std::vector<double>{0.125, 0.875, 0, 0.375}, {2, 2}));
}

TEST_CASE("huber_loss: gradcheck for input and target, every reduction and several deltas") {
  for (double delta : {1e-3, 0.3, 1.0, 2.5}) {
    for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
      const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4}, {2, 3});
      const Variable y = leaf({0.1, 0.5, -1.0, 0.9, 2.2, 0.0}, {2, 3});
      CHECK(gradcheck(
          [=](const auto& v) {
            return std::vector{huber_loss(v[0], v[1], {.delta = delta, .reduction = r})};
          },
          {x, y}));
    }
  }
}

TEST_CASE("huber_loss: is delta * smooth_l1_loss(beta = delta), gradients included") {
  for (double delta : {1e-3, 0.5, 1.0, 3.0}) {
    const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4}, {2, 3});
    const Variable y = leaf({0.1, 0.5, -1.0, 0.9, 2.2, 0.0}, {2, 3});
    const Variable h = huber_loss(x, y, {.delta = delta, .reduction = Reduction::Sum});
    const Variable s = smooth_l1_loss(x, y, {.beta = delta, .reduction = Reduction::Sum});
    CHECK(h.item() == doctest::Approx(delta * s.item()).epsilon(1e-14));
    const Variable gh = grad({h}, {x})[0], gs = grad({s}, {x})[0];
    CHECK_TENSOR_CLOSE(gh.value(), minidl::mul(gs.value(), delta), 1e-14, 1e-300);
  }
}

TEST_CASE("huber_loss: at |d| = delta the slope is +-delta; at d = 0 it is 0") {
  const Variable x = leaf({2.0, -2.0, 1.0}, {3}), y = leaf({0, 0, 1.0}, {3});
  const Variable loss = huber_loss(x, y, {.delta = 2, .reduction = Reduction::Sum});
  CHECK(loss.item() == 4);  // 0.5 * 2^2 twice, from either piece
  backward(loss);
  CHECK(x.grad().value().to_vector() == std::vector<double>{2, -2, 0});
}

TEST_CASE("huber_loss: huge residuals give a finite loss and a gradient capped at delta") {
  const Variable x = leaf({1e4, -1e300}, {2}), y = leaf({-1e4, 1e300}, {2});
  const Variable loss = huber_loss(x, y, {.delta = 0.25, .reduction = Reduction::Sum});
  CHECK(std::isfinite(loss.item()));
  backward(loss);
  CHECK(x.grad().value().to_vector() == std::vector<double>{0.25, -0.25});
}

TEST_CASE("huber_loss: matches PyTorch") {
  CHECK(testing::check_loss_fixtures("huber_loss") >= 16);
}

TEST_CASE("huber_loss: errors name the op and the values") {
  const Variable x = leaf({1, 2}, {2}), y = leaf({1, 2}, {2});
  CHECK_THROWS_WITH_AS(huber_loss(x, y, {.delta = 0}),
                       doctest::Contains("huber_loss: delta must be positive, got 0"), Error);
  CHECK_THROWS_WITH_AS(huber_loss(x, y, {.delta = -0.5}),
                       doctest::Contains("huber_loss: delta must be positive, got -0.5"), Error);
  CHECK_THROWS_WITH_AS(huber_loss(x, leaf({1, 2, 3}, {3})),
                       doctest::Contains("huber_loss: input [2] and target [3]"), Error);
  CHECK_THROWS_WITH_AS(huber_loss(Variable(zeros({0})), Variable(zeros({0}))),
                       doctest::Contains("huber_loss: input is empty"), Error);
  CHECK_THROWS_WITH_AS(huber_loss(x, Variable(zeros({2}, kInt64))),
                       doctest::Contains("huber_loss: target must be float32 or float64"), Error);
}

}  // namespace
}  // namespace minidl::losses
