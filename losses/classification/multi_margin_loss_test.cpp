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
Variable labels(std::vector<std::int64_t> v, Shape shape) {
  return Variable(from_vector(v, shape));
}

// Row 0, class 3: z = 1 - 0.8 + x_i = {0.3, 0.4, 0.6}. Row 1, class 2: z = {-0.2, -1, 0}, so it
// sits exactly on the kink at class 3 and costs nothing.
Variable scores() { return leaf({0.1, 0.2, 0.4, 0.8, 0.3, -0.5, 1.5, 0.5}, {2, 4}); }

TEST_CASE("multi_margin_loss: known values for p = 1 and 2, weights and each reduction") {
  const Variable x = scores(), y = labels({3, 2}, {2});
  CHECK(multi_margin_loss(x, y).item() == doctest::Approx(1.3 / 4 / 2));
  CHECK(multi_margin_loss(x, y, {.reduction = Reduction::Sum}).item() == doctest::Approx(0.325));
  CHECK_TENSOR_CLOSE(multi_margin_loss(x, y, {.reduction = Reduction::None}).value(),
                     from_vector(std::vector<double>{0.325, 0}, {2}));
  // p = 2: (0.09 + 0.16 + 0.36) / 4
  CHECK(multi_margin_loss(x, y, {.p = 2, .reduction = Reduction::Sum}).item() ==
        doctest::Approx(0.1525));
  // The weight of the true class multiplies outside the power: 0.5 * 0.1525, not 0.25 * 0.1525.
  const Variable w = leaf({2, -1, 3, 0.5}, {4}, false);
  CHECK(multi_margin_loss(x, y, {.p = 2, .weight = w, .reduction = Reduction::Sum}).item() ==
        doctest::Approx(0.07625));
  // margin 0.5: z = {-0.2, -0.1, 0.1} in row 0, nothing in row 1.
  CHECK(multi_margin_loss(x, y, {.margin = 0.5, .reduction = Reduction::Sum}).item() ==
        doctest::Approx(0.025));
}

TEST_CASE("multi_margin_loss: gradcheck for input and weight, p = 1 and 2, every reduction") {
  const Variable y = labels({0, 2, 1}, {3});
  for (std::int64_t p : {1, 2}) {
    for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
      const Variable x =
          leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.45, 0.9, 0.6, 1.1, -0.3, 0.2, 1.4}, {3, 4});
      const Variable w = leaf({0.5, 2.0, 1.5, 0.8}, {4});
      CHECK(gradcheck(
          [&](const auto& v) {
            return std::vector{multi_margin_loss(
                v[0], y, {.p = p, .margin = 1.3, .weight = v[1], .reduction = r})};
          },
          {x, w}));
    }
  }
}

TEST_CASE("multi_margin_loss: matches PyTorch (p 1 and 2, margins, weights, [C] input)") {
  CHECK(testing::check_loss_fixtures("multi_margin_loss") >= 20);
}

TEST_CASE("multi_margin_loss: subgradient 0 at the kink, as PyTorch") {
  for (std::int64_t p : {1, 2}) {
    const Variable x = scores();
    backward(multi_margin_loss(x, labels({3, 2}, {2}), {.p = p, .reduction = Reduction::Sum}));
    const Tensor g = x.grad().value();
    for (std::int64_t i = 4; i < 8; ++i) CHECK(g.at(i) == 0.0);  // row 1 only touches the kink
    // Row 0, p = 1: each paying class gets +1/4, the true class -3/4.
    if (p == 1) CHECK(g.at(3) == doctest::Approx(-0.75));
  }
}

TEST_CASE("multi_margin_loss: one sample [C] takes a 0-d or [1] target") {
  const Variable x = leaf({0.1, 0.2, 0.4, 0.8}, {4});
  const Variable a = multi_margin_loss(x, labels({3}, {}), {.reduction = Reduction::None});
  const Variable b = multi_margin_loss(x, labels({3}, {1}), {.reduction = Reduction::None});
  CHECK(a.shape() == Shape{});
  CHECK(b.shape() == Shape{1});
  CHECK(a.item() == doctest::Approx(0.325));
  CHECK(b.item() == doctest::Approx(0.325));
}

TEST_CASE("multi_margin_loss: scores of +-1e4 give a finite loss and gradient") {
  const Variable x = leaf({1e4, -1e4, 3.0}, {1, 3});
  const Variable l = multi_margin_loss(x, labels({1}, {1}), {.p = 2});
  CHECK(std::isfinite(l.item()));
  backward(l);
  for (double g : x.grad().value().to_vector()) CHECK(std::isfinite(g));
}

TEST_CASE("multi_margin_loss: errors name the op and the offending values") {
  const Variable x = scores();
  CHECK_THROWS_WITH_AS(multi_margin_loss(x, labels({3, 4}, {2})),
                       doctest::Contains("multi_margin_loss: label 4 at position 1 is out of "
                                         "range [0, 4)"),
                       Error);
  CHECK_THROWS_WITH_AS(multi_margin_loss(x, labels({-1, 0}, {2})),
                       doctest::Contains("multi_margin_loss: label -1 at position 0"), Error);
  CHECK_THROWS_WITH_AS(multi_margin_loss(x, labels({3, 2}, {2}), {.p = 3}),
                       doctest::Contains("multi_margin_loss: p must be 1 or 2, got 3"), Error);
  CHECK_THROWS_WITH_AS(multi_margin_loss(x, labels({3, 2, 1}, {3})),
                       doctest::Contains("multi_margin_loss: target must be [N] = [2]"), Error);
  CHECK_THROWS_WITH_AS(
      multi_margin_loss(x, labels({3, 2}, {2}), {.weight = leaf({1, 1, 1}, {3}, false)}),
      doctest::Contains("multi_margin_loss: weight must be [C] = [4], got [3]"), Error);
  CHECK_THROWS_WITH_AS(multi_margin_loss(Variable(zeros({2, 3, 4})), labels({0, 0}, {2})),
                       doctest::Contains("multi_margin_loss: input must be [N, C] or [C], got "
                                         "shape [2,3,4]"),
                       Error);
  CHECK_THROWS_WITH_AS(multi_margin_loss(x, Variable(zeros({2}))),
                       doctest::Contains("multi_margin_loss: target must be int64"), Error);
  CHECK_THROWS_WITH_AS(multi_margin_loss(Variable(zeros({0, 4})), labels({}, {0})),
                       doctest::Contains("multi_margin_loss: input is empty"), Error);
  CHECK_THROWS_WITH_AS(multi_margin_loss(leaf({1, 2}, {2}), labels({0, 1}, {2})),
                       doctest::Contains("so target must be one index"), Error);
}

}  // namespace
}  // namespace minidl::losses
