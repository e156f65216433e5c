#include <doctest/doctest.h>

#include <cmath>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/classification.h"
#include "losses/imbalance.h"
#include "tensor/error.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }
Variable labels(std::vector<std::int64_t> v) { return Variable(from_vector(v)); }
Variable labels(std::vector<std::int64_t> v, Shape shape) {
  return Variable(from_vector(v, shape));
}

TEST_CASE("softmax_focal_loss: known values, alpha-weighted mean") {
  // Sample 1: logits [0, 0], y = 0: p_y = 1/2, l = (1/2)^2 log 2.
  // Sample 2: logits [0, log 3], y = 1: p_y = 3/4, l = (1/4)^2 (-log 3/4).
  const double l1 = 0.25 * std::log(2.0), l2 = -std::log(0.75) / 16;
  const Variable x = leaf({0, 0, 0, std::log(3.0)}, {2, 2});
  const Variable y = labels({0, 1});
  CHECK(softmax_focal_loss(x, y).item() == doctest::Approx((l1 + l2) / 2).epsilon(1e-12));
  CHECK_TENSOR_CLOSE(softmax_focal_loss(x, y, {.reduction = Reduction::None}).value(),
                     from_vector(std::vector<double>{l1, l2}, {2}), 1e-12);
  // alpha = [2, 1]: the mean divides by alpha_0 + alpha_1 = 3, not by N = 2.
  const Variable alpha(from_vector(std::vector<double>{2, 1}));
  CHECK(softmax_focal_loss(x, y, {.alpha = alpha}).item() ==
        doctest::Approx((2 * l1 + l2) / 3).epsilon(1e-12));
  CHECK(softmax_focal_loss(x, y, {.alpha = alpha, .reduction = Reduction::Sum}).item() ==
        doctest::Approx(2 * l1 + l2).epsilon(1e-12));
  // Scaling alpha changes nothing in the mean.
  CHECK(softmax_focal_loss(x, y, {.alpha = Variable(from_vector(std::vector<double>{20, 10}))})
            .item() == doctest::Approx((2 * l1 + l2) / 3).epsilon(1e-12));
}

TEST_CASE("softmax_focal_loss: gradcheck for input and alpha, every reduction and gamma") {
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    for (double gamma : {0.0, 0.5, 2.0}) {
      const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4, 1.5, 0.2, -2.0}, {3, 3});
      const Variable alpha = leaf({0.5, 2.0, 1.0}, {3});
      const Variable y = labels({2, -100, 0});
      CHECK(gradcheck(
          [&](const auto& v) {
            return std::vector{
                softmax_focal_loss(v[0], y, {.gamma = gamma, .alpha = v[1], .reduction = r})};
          },
          {x, alpha}));
    }
    // [N, C, d] input
    const Variable x3 =
        leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4, 1.5, 0.2, -2.0, 0.0, 0.9, -0.3}, {2, 3, 2});
    const Variable y3 = labels({2, 0, 1, 1}, {2, 2});
    CHECK(gradcheck(
        [&](const auto& v) { return std::vector{softmax_focal_loss(v[0], y3, {.reduction = r})}; },
        {x3}));
  }
}

TEST_CASE("softmax_focal_loss: matches the reference formula and PyTorch") {
  CHECK(testing::check_loss_fixtures("softmax_focal_loss") >= 22);
}

TEST_CASE("softmax_focal_loss: gamma 0 equals cross_entropy with weight alpha") {
  const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4, 1.5, 0.2, -2.0, 0.0, 0.9, -0.3}, {4, 3});
  const Variable alpha(from_vector(std::vector<double>{0.5, 2.0, 1.0}));
  const Variable y = labels({2, 0, -100, 1});
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    const Variable focal = softmax_focal_loss(x, y, {.gamma = 0, .alpha = alpha, .reduction = r});
    const Variable ce = cross_entropy(x, y, {.weight = alpha, .reduction = r});
    CHECK_TENSOR_CLOSE(focal.value(), ce.value(), 1e-13, 1e-15);
    const Variable plain = softmax_focal_loss(x, y, {.gamma = 0, .reduction = r});
    CHECK_TENSOR_CLOSE(plain.value(), cross_entropy(x, y, {.reduction = r}).value(), 1e-13, 1e-15);
  }
}

TEST_CASE("softmax_focal_loss: ignore_index") {
  Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4}, {2, 3});
  // An ignored sample adds 0 and receives no gradient.
  const Variable none = softmax_focal_loss(x, labels({-100, 1}), {.reduction = Reduction::None});
  CHECK(none.value().at(0) == 0.0);
  backward(softmax_focal_loss(x, labels({-100, 1})));
  for (std::int64_t c = 0; c < 3; ++c) CHECK(x.grad().value().at(c) == 0.0);
  // The mean is over the one sample left.
  CHECK(softmax_focal_loss(x, labels({-100, 1})).item() == doctest::Approx(none.value().at(1)));
  // A custom ignore_index.
  CHECK(softmax_focal_loss(x, labels({1, 1}), {.ignore_index = 1, .reduction = Reduction::Sum})
            .item() == 0.0);
  // Every target ignored: mean 0 with a zero gradient, as cross_entropy.
  x.zero_grad();
  const Variable all = softmax_focal_loss(x, labels({-100, -100}));
  CHECK(all.item() == 0.0);
  backward(all);
  for (double g : x.grad().value().to_vector()) CHECK(g == 0.0);
}

TEST_CASE("softmax_focal_loss: logits of +-1e4 give finite losses and gradients") {
  for (double gamma : {0.0, 0.5, 2.0}) {
    const Variable x = leaf({1e4, 0, -1e4, -1e4, 1e4, 0}, {2, 3});
    const Variable loss =
        softmax_focal_loss(x, labels({0, 0}), {.gamma = gamma, .reduction = Reduction::None});
    backward(sum(loss));
    CHECK(loss.value().at(0) == 0.0);                   // right by 1e4
    CHECK(loss.value().at(1) == doctest::Approx(2e4));  // wrong by 2e4, factor 1
    for (double g : x.grad().value().to_vector()) CHECK(std::isfinite(g));
  }
}

TEST_CASE("softmax_focal_loss: errors name the op and the values") {
  const Variable x = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK_THROWS_WITH_AS(softmax_focal_loss(x, labels({0, 1, 2})),
                       doctest::Contains("softmax_focal_loss: target [3] must be [2]"), Error);
  CHECK_THROWS_WITH_AS(
      softmax_focal_loss(x, labels({0, 3})),
      doctest::Contains("softmax_focal_loss: label 3 at position 1 is out of range"), Error);
  CHECK_THROWS_WITH_AS(softmax_focal_loss(x, Variable(zeros({2}))),
                       doctest::Contains("softmax_focal_loss: target must be int64"), Error);
  CHECK_THROWS_WITH_AS(softmax_focal_loss(leaf({1, 2}, {2}), labels({0})),
                       doctest::Contains("softmax_focal_loss: input must be [N, C]"), Error);
  CHECK_THROWS_WITH_AS(softmax_focal_loss(Variable(zeros({0, 3})), Variable(zeros({0}, kInt64))),
                       doctest::Contains("softmax_focal_loss: input is empty"), Error);
  CHECK_THROWS_WITH_AS(
      softmax_focal_loss(x, labels({0, 1}), {.alpha = Variable(ones({2}, kFloat64))}),
      doctest::Contains("softmax_focal_loss: alpha must be [3]"), Error);
  CHECK_THROWS_WITH_AS(softmax_focal_loss(x, labels({0, 1}), {.gamma = -0.5}),
                       doctest::Contains("softmax_focal_loss: gamma must be finite and >= 0"),
                       Error);
}

}  // namespace
}  // namespace minidl::losses
