#include <doctest/doctest.h>

#include <cmath>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/imbalance.h"
#include "tensor/error.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }

TEST_CASE("sigmoid_focal_loss: known values, default reduction none") {
  // x = 0 (p = 1/2): ce = log 2, (1 - p_t)^2 = 1/4; alpha_t = 1/4 for t = 1, 3/4 for t = 0.
  // x = log 3 (p = 3/4), t = 1: ce = -log(3/4), (1 - p_t)^2 = 1/16.
  const double l2 = std::log(2.0), l34 = -std::log(0.75);
  const Variable x = leaf({0, 0, std::log(3.0)}, {3}), t = leaf({1, 0, 1}, {3});
  CHECK_TENSOR_CLOSE(sigmoid_focal_loss(x, t).value(),
                     from_vector(std::vector<double>{l2 / 16, 3 * l2 / 16, l34 / 64}, {3}), 1e-12);
  CHECK(sigmoid_focal_loss(x, t, {.reduction = Reduction::Sum}).item() ==
        doctest::Approx(l2 / 4 + l34 / 64).epsilon(1e-12));
  CHECK(sigmoid_focal_loss(x, t, {.reduction = Reduction::Mean}).item() ==
        doctest::Approx((l2 / 4 + l34 / 64) / 3).epsilon(1e-12));
  // alpha < 0 and gamma = 0: plain binary cross entropy with logits.
  CHECK(sigmoid_focal_loss(x, t, {.alpha = -1, .gamma = 0, .reduction = Reduction::Sum}).item() ==
        doctest::Approx(2 * l2 + l34).epsilon(1e-12));
}

TEST_CASE("sigmoid_focal_loss: gradcheck for inputs and targets, every reduction") {
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    for (double gamma : {0.0, 0.5, 2.0}) {
      // Targets strictly inside (0, 1), so the finite differences stay in the valid range.
      const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4}, {2, 3});
      const Variable t = leaf({0.9, 0.1, 0.3, 0.99, 0.01, 0.8}, {2, 3});
      CHECK(gradcheck(
          [r, gamma](const auto& v) {
            return std::vector{sigmoid_focal_loss(v[0], v[1], {.gamma = gamma, .reduction = r})};
          },
          {x, t}));
      // Hard 0/1 targets, the usual case: the inputs alone.
      const Variable hard(from_vector(std::vector<double>{1, 0, 0, 1, 0, 1}, {2, 3}));
      CHECK(gradcheck(
          [&](const auto& v) {
            return std::vector{sigmoid_focal_loss(v[0], hard, {.gamma = gamma, .reduction = r})};
          },
          {x}));
    }
  }
}

TEST_CASE("sigmoid_focal_loss: matches torchvision") {
  CHECK(testing::check_loss_fixtures("sigmoid_focal_loss") >= 15);
}

TEST_CASE("sigmoid_focal_loss: the slope at logit 0 is sigmoid(0) - t") {
  // log(1 + e^x) has slope 1/2 at 0; a subgradient-0 kink there would give -t.
  const Variable x = leaf({0, 0}, {2}), t = Variable(from_vector(std::vector<double>{1, 0}, {2}));
  backward(sigmoid_focal_loss(x, t, {.alpha = -1, .gamma = 0, .reduction = Reduction::Sum}));
  CHECK_TENSOR_CLOSE(x.grad().value(), from_vector(std::vector<double>{-0.5, 0.5}, {2}), 1e-14);
}

TEST_CASE("sigmoid_focal_loss: logits of +-1e4 give finite losses and gradients") {
  for (double gamma : {0.0, 0.5, 2.0}) {
    const Variable x = leaf({1e4, -1e4, 1e4, -1e4}, {4});
    const Variable t = Variable(from_vector(std::vector<double>{1, 0, 0, 1}, {4}));
    const Variable loss = sigmoid_focal_loss(x, t, {.gamma = gamma});
    backward(sum(loss));
    for (double v : loss.value().to_vector()) CHECK(std::isfinite(v));
    for (double v : x.grad().value().to_vector()) CHECK(std::isfinite(v));
    // Right by 1e4: no loss. Wrong by 1e4: alpha_t * 1e4 (the modulating factor is 1).
    CHECK(loss.value().at(0) == 0.0);
    CHECK(loss.value().at(2) == doctest::Approx(0.75e4));
    CHECK(loss.value().at(3) == doctest::Approx(0.25e4));
  }
}

TEST_CASE("sigmoid_focal_loss: errors name the op and the values") {
  const Variable x = leaf({1, 2, 3}, {3});
  CHECK_THROWS_WITH_AS(sigmoid_focal_loss(x, leaf({1, 0}, {2})),
                       doctest::Contains("sigmoid_focal_loss: inputs [3] and targets [2]"), Error);
  CHECK_THROWS_WITH_AS(sigmoid_focal_loss(x, leaf({1, 2, 0}, {3})),
                       doctest::Contains("sigmoid_focal_loss: targets must lie in [0, 1], got 2"),
                       Error);
  CHECK_THROWS_WITH_AS(sigmoid_focal_loss(Variable(zeros({0})), Variable(zeros({0}))),
                       doctest::Contains("sigmoid_focal_loss: inputs is empty"), Error);
  CHECK_THROWS_WITH_AS(sigmoid_focal_loss(x, Variable(zeros({3}, kInt64))),
                       doctest::Contains("sigmoid_focal_loss: targets must be float32 or float64"),
                       Error);
  CHECK_THROWS_WITH_AS(sigmoid_focal_loss(x, leaf({1, 0, 1}, {3}), {.gamma = -1}),
                       doctest::Contains("sigmoid_focal_loss: gamma must be finite and >= 0"),
                       Error);
  CHECK_THROWS_WITH_AS(sigmoid_focal_loss(x, leaf({1, 0, 1}, {3}), {.alpha = 1.5}),
                       doctest::Contains("sigmoid_focal_loss: alpha must be in [0, 1]"), Error);
  CHECK_THROWS_WITH_AS(
      sigmoid_focal_loss(x, leaf({1, 0, 1}, {3}), {.reduction = Reduction::BatchMean}),
      doctest::Contains("sigmoid_focal_loss: reduction 'batchmean' is only for kl_div"), Error);
}

}  // namespace
}  // namespace minidl::losses
