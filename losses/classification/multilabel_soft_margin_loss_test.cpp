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

TEST_CASE("multilabel_soft_margin_loss: known values, weights and each reduction") {
  // Row 0: x = {0, 2, -1}, y = {1, 0, 1}: terms {log 2, log(1 + e^2), log(1 + e)}.
  // Row 1: x = {1, 1, 1}, y = {0, 0, 0}: three times log(1 + e).
  const Variable x = leaf({0, 2, -1, 1, 1, 1}, {2, 3}), y = leaf({1, 0, 1, 0, 0, 0}, {2, 3});
  const double a = std::log(2.0), b = std::log1p(std::exp(2.0)), c = std::log1p(std::exp(1.0));
  const std::vector<double> per = {(a + b + c) / 3, c};
  CHECK_TENSOR_CLOSE(multilabel_soft_margin_loss(x, y, {.reduction = Reduction::None}).value(),
                     from_vector(per, {2}));
  CHECK(multilabel_soft_margin_loss(x, y).item() == doctest::Approx((per[0] + per[1]) / 2));
  CHECK(multilabel_soft_margin_loss(x, y, {.reduction = Reduction::Sum}).item() ==
        doctest::Approx(per[0] + per[1]));
  const Variable w = leaf({1, 0.5, 2}, {3}, false);
  CHECK_TENSOR_CLOSE(
      multilabel_soft_margin_loss(x, y, {.weight = w, .reduction = Reduction::None}).value(),
      from_vector(std::vector<double>{(a + 0.5 * b + 2 * c) / 3, 3.5 * c / 3}, {2}));
}

TEST_CASE("multilabel_soft_margin_loss: gradcheck for input, target and weight, every reduction") {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    const Variable x = leaf({0.3, -1.2, 2.0, 0.0, 0.1, -4.0}, {2, 3});
    // Targets inside (0, 1): the check would refuse the perturbed 1 + eps.
    const Variable y = leaf({0.9, 0.05, 0.3, 0.6, 0.8, 0.2}, {2, 3});
    const Variable w = leaf({0.5, 2.0, 1.5}, {3});
    CHECK(gradcheck(
        [&](const auto& v) {
          return std::vector{
              multilabel_soft_margin_loss(v[0], v[1], {.weight = v[2], .reduction = r})};
        },
        {x, y, w}));
  }
}

TEST_CASE("multilabel_soft_margin_loss: matches PyTorch (weights, soft targets, [N, d, C])") {
  CHECK(testing::check_loss_fixtures("multilabel_soft_margin_loss") >= 10);
}

TEST_CASE("multilabel_soft_margin_loss: gradient (sigmoid(0) - y) / C at x = 0") {
  const Variable x = leaf({0, 0}, {1, 2});
  backward(multilabel_soft_margin_loss(x, leaf({1, 0}, {1, 2}, false)));
  CHECK_TENSOR_CLOSE(x.grad().value(), from_vector(std::vector<double>{-0.25, 0.25}, {1, 2}));
}

TEST_CASE("multilabel_soft_margin_loss: scores of +-1e4 give a finite loss and gradient") {
  // (GCC 12.2 with AVX-512 miscompiles a braced list {1, 1, 0, 0} in a test body into
  // {1, 1, 1, 1}: keep the labels interleaved.)
  const Variable x = leaf({1e4, 1e4, -1e4, -1e4}, {1, 4});
  const Variable l = multilabel_soft_margin_loss(x, leaf({1, 0, 1, 0}, {1, 4}, false));
  CHECK(l.item() == doctest::Approx(2e4 / 4));
  backward(l);
  CHECK_TENSOR_CLOSE(x.grad().value(), from_vector(std::vector<double>{0, 0.25, -0.25, 0}, {1, 4}));
}

TEST_CASE("multilabel_soft_margin_loss: the class axis is last, one value per sample") {
  const Variable x(zeros({2, 3, 4}, kFloat64)), y(zeros({2, 3, 4}, kFloat64));
  const Variable l = multilabel_soft_margin_loss(x, y, {.reduction = Reduction::None});
  CHECK(l.shape() == Shape{2, 3});
  CHECK(l.value().at(0) == doctest::Approx(std::log(2.0)));
  CHECK(multilabel_soft_margin_loss(leaf({0, 0}, {2}), leaf({1, 0}, {2}),
                                    {.reduction = Reduction::None})
            .shape() == Shape{});
}

TEST_CASE("multilabel_soft_margin_loss: errors name the op and the offending values") {
  const Variable x = leaf({1, 2, 3, 4}, {2, 2});
  CHECK_THROWS_WITH_AS(multilabel_soft_margin_loss(x, leaf({1, -1, 0, 1}, {2, 2})),
                       doctest::Contains("multilabel_soft_margin_loss: target must lie in [0, 1], "
                                         "got -1 at position 1"),
                       Error);
  CHECK_THROWS_WITH_AS(multilabel_soft_margin_loss(x, leaf({1, 0}, {2})),
                       doctest::Contains("multilabel_soft_margin_loss: input [2,2] and target [2]"),
                       Error);
  CHECK_THROWS_WITH_AS(
      multilabel_soft_margin_loss(x, leaf({1, 0, 0, 1}, {2, 2}), {.weight = leaf({1}, {1})}),
      doctest::Contains("multilabel_soft_margin_loss: weight must be [C] = [2], got [1]"), Error);
  CHECK_THROWS_WITH_AS(
      multilabel_soft_margin_loss(Variable(zeros({0, 3})), Variable(zeros({0, 3}))),
      doctest::Contains("multilabel_soft_margin_loss: input is empty"), Error);
  CHECK_THROWS_WITH_AS(
      multilabel_soft_margin_loss(Variable(scalar_tensor(1.0)), Variable(scalar_tensor(1.0))),
      doctest::Contains("multilabel_soft_margin_loss: input must be [..., C]"), Error);
}

}  // namespace
}  // namespace minidl::losses
