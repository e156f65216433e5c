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

TEST_CASE("multilabel_margin_loss: known values for each reduction") {
  // Row 0: labels {1, 2}, others {0, 3}: hinges 1 - x_j + x_i = {0.4, 1.2, 0.7, 1.5} -> 3.8 / 4.
  // Row 1: label {3}: {0.2, 0 (on the margin), 0.5} -> 0.7 / 4.
  const Variable x = leaf({0.1, 0.7, 0.4, 0.9, 0.2, 0.0, 0.5, 1.0}, {2, 4});
  const Variable y = labels({1, 2, -1, 0, 3, -1, 2, 2}, {2, 4});
  CHECK_TENSOR_CLOSE(multilabel_margin_loss(x, y, {.reduction = Reduction::None}).value(),
                     from_vector(std::vector<double>{0.95, 0.175}, {2}));
  CHECK(multilabel_margin_loss(x, y).item() == doctest::Approx(0.5625));
  CHECK(multilabel_margin_loss(x, y, {.reduction = Reduction::Sum}).item() ==
        doctest::Approx(1.125));
}

TEST_CASE("multilabel_margin_loss: only the prefix before the first -1 counts") {
  const Variable x = leaf({0.1, 0.7, 0.4, 0.9}, {4});
  const double a = multilabel_margin_loss(x, labels({1, 2, -1, 0}, {4})).item();
  CHECK(multilabel_margin_loss(x, labels({1, 2, -1, 3}, {4})).item() == a);
  CHECK(multilabel_margin_loss(x, labels({1, 2, -1, -1}, {4})).item() == a);
  CHECK(a == doctest::Approx(0.95));
  CHECK(multilabel_margin_loss(x, labels({1, -1, 2, 0}, {4})).item() == doctest::Approx(0.575));
  // A repeated label counts twice (PyTorch): {1, 1} = twice {1}.
  CHECK(multilabel_margin_loss(x, labels({1, 1, -1, 0}, {4})).item() == doctest::Approx(1.15));
  // No labels, or every class a label: nothing to separate, loss 0 with a zero gradient.
  const Variable none = multilabel_margin_loss(x, labels({-1, 1, 2, 3}, {4}));
  CHECK(none.item() == 0.0);
  CHECK(multilabel_margin_loss(x, labels({3, 1, 0, 2}, {4})).item() == 0.0);
  backward(none);
  CHECK_TENSOR_CLOSE(x.grad().value(), zeros({4}, kFloat64));
}

TEST_CASE("multilabel_margin_loss: gradcheck for input, every reduction") {
  const Variable y = labels({0, 3, -1, 2, 1, -1, -1, -1, 2, 1, 0, -1}, {3, 4});
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    const Variable x =
        leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.45, 0.9, 0.6, 1.1, -0.3, 0.2, 1.4}, {3, 4});
    CHECK(gradcheck(
        [&](const auto& v) {
          return std::vector{multilabel_margin_loss(v[0], y, {.reduction = r})};
        },
        {x}));
  }
}

TEST_CASE("multilabel_margin_loss: matches PyTorch (padding, repeats, [C] input)") {
  CHECK(testing::check_loss_fixtures("multilabel_margin_loss") >= 6);
}

TEST_CASE("multilabel_margin_loss: subgradient 0 at the kink, as PyTorch") {
  // 1 - x_0 + x_1 = 1 - 1.5 + 0.5 = 0; the other pair is inactive.
  const Variable x = leaf({1.5, 0.5, -2.0}, {3});
  const Variable l = multilabel_margin_loss(x, labels({0, -1, -1}, {3}));
  CHECK(l.item() == 0.0);
  backward(l);
  CHECK_TENSOR_CLOSE(x.grad().value(), zeros({3}, kFloat64));
}

TEST_CASE("multilabel_margin_loss: scores of +-1e4 give a finite loss and gradient") {
  const Variable x = leaf({-1e4, 1e4, 0.0}, {1, 3});
  const Variable l = multilabel_margin_loss(x, labels({0, -1, -1}, {1, 3}));
  CHECK(l.item() == doctest::Approx((2e4 + 1 + 1e4 + 1) / 3));
  backward(l);
  CHECK_TENSOR_CLOSE(x.grad().value(),
                     from_vector(std::vector<double>{-2.0 / 3, 1.0 / 3, 1.0 / 3}, {1, 3}));
}

TEST_CASE("multilabel_margin_loss: errors name the op and the offending values") {
  const Variable x = leaf({0.1, 0.7, 0.4, 0.9}, {4});
  CHECK_THROWS_WITH_AS(multilabel_margin_loss(x, labels({1, 4, -1, 0}, {4})),
                       doctest::Contains("multilabel_margin_loss: target 4 at position 1 is out "
                                         "of range [-1, 4)"),
                       Error);
  // PyTorch checks the entries after the first -1 too.
  CHECK_THROWS_WITH_AS(multilabel_margin_loss(x, labels({1, -1, -2, 0}, {4})),
                       doctest::Contains("target -2 at position 2"), Error);
  CHECK_THROWS_WITH_AS(multilabel_margin_loss(x, labels({1, -1}, {2})),
                       doctest::Contains("multilabel_margin_loss: input [4] and target [2]"),
                       Error);
  CHECK_THROWS_WITH_AS(multilabel_margin_loss(x, Variable(zeros({4}))),
                       doctest::Contains("multilabel_margin_loss: target must be int64"), Error);
  CHECK_THROWS_WITH_AS(
      multilabel_margin_loss(Variable(zeros({1, 2, 2})), labels({0, -1, 0, -1}, {1, 2, 2})),
      doctest::Contains("multilabel_margin_loss: input must be [N, C] or [C]"), Error);
  CHECK_THROWS_WITH_AS(
      multilabel_margin_loss(Variable(zeros({0, 3})), Variable(zeros({0, 3}, kInt64))),
      doctest::Contains("multilabel_margin_loss: input is empty"), Error);
}

}  // namespace
}  // namespace minidl::losses
