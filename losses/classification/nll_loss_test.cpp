#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/classification.h"
#include "tensor/error.h"
#include "tensor/random.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }
Variable labels(std::vector<std::int64_t> v, Shape shape) {
  return Variable(from_vector(v, shape));
}
Variable random_leaf(Shape shape, std::uint64_t seed) {
  Generator gen(seed);
  return Variable(randn(shape, gen, kFloat64), true);
}

TEST_CASE("nll_loss: known values for each reduction, weights and ignored targets") {
  const Variable x = leaf({-0.1, -2.0, -3.0, -0.5, -4.0, -1.5}, {3, 2});
  const Variable y = labels({0, 1, 1}, {3});
  CHECK(nll_loss(x, y).item() == doctest::Approx((0.1 + 0.5 + 1.5) / 3));
  CHECK(nll_loss(x, y, {.reduction = Reduction::Sum}).item() == doctest::Approx(2.1));
  CHECK_TENSOR_CLOSE(nll_loss(x, y, {.reduction = Reduction::None}).value(),
                     from_vector(std::vector<double>{0.1, 0.5, 1.5}, {3}));
  // Weighted mean: (2 * 0.1 + 0.5 * 0.5 + 0.5 * 1.5) / (2 + 0.5 + 0.5).
  const Variable w(from_vector(std::vector<double>{2.0, 0.5}, {2}));
  CHECK(nll_loss(x, y, {.weight = w}).item() == doctest::Approx(1.2 / 3.0));
  // Ignoring the middle item: (2 * 0.1 + 0.5 * 1.5) / (2 + 0.5).
  CHECK(nll_loss(x, labels({0, -100, 1}, {3}), {.weight = w}).item() ==
        doctest::Approx(0.95 / 2.5));
}

TEST_CASE("nll_loss: gradcheck for input and weight, every reduction") {
  const Variable y = labels({2, 0, -100, 3, 1}, {5});
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    CHECK(gradcheck(
        [&](const auto& v) {
          return std::vector{nll_loss(v[0], y, {.weight = v[1], .reduction = r})};
        },
        {random_leaf({5, 4}, 1), leaf({0.5, 1.5, 2.0, 0.7}, {4})}));
    Generator gen(2);
    const Variable y4(randint(0, 3, {2, 2, 3}, gen));
    CHECK(
        gradcheck([&](const auto& v) { return std::vector{nll_loss(v[0], y4, {.reduction = r})}; },
                  {random_leaf({2, 3, 2, 3}, 3)}));
  }
}

TEST_CASE("nll_loss: matches PyTorch") { CHECK(testing::check_loss_fixtures("nll_loss") >= 15); }

TEST_CASE("nll_loss: the gradient is -w_y at the target entry and 0 elsewhere") {
  const Variable x = random_leaf({2, 3}, 4);
  const Variable w(from_vector(std::vector<double>{1, 2, 3}, {3}));
  backward(nll_loss(x, labels({2, 1}, {2}), {.weight = w, .reduction = Reduction::Sum}));
  CHECK_TENSOR_CLOSE(x.grad().value(),
                     from_vector(std::vector<double>{0, 0, -3, 0, -2, 0}, {2, 3}));
}

TEST_CASE("nll_loss: ignored items, all ignored, and -inf log-probabilities there") {
  const double inf = std::numeric_limits<double>::infinity();
  const Variable x = leaf({-inf, -0.5, -1.0, -0.2}, {2, 2});
  const Variable loss = nll_loss(x, labels({-100, 1}, {2}), {.reduction = Reduction::None});
  CHECK_TENSOR_CLOSE(loss.value(), from_vector(std::vector<double>{0.0, 0.2}, {2}));
  const Variable all = nll_loss(x, labels({-100, -100}, {2}));
  CHECK(all.item() == 0.0);  // PyTorch: NaN (0 / 0)
  backward(all);
  CHECK_TENSOR_CLOSE(x.grad().value(), zeros({2, 2}, kFloat64));
}

TEST_CASE("nll_loss: errors name the op, the values and the shapes") {
  const Variable x = random_leaf({4, 10}, 5);
  CHECK_THROWS_WITH_AS(nll_loss(x, labels({1, 2, 3, 12}, {4})),
                       doctest::Contains("nll_loss: label 12 at position 3 is out of range "
                                         "[0, 10)"),
                       Error);
  CHECK_THROWS_WITH_AS(nll_loss(x, Variable(zeros({4}, kFloat64))),
                       doctest::Contains("nll_loss: target must be int64 class indices, got "
                                         "float64"),
                       Error);
  CHECK_THROWS_WITH_AS(nll_loss(random_leaf({2, 3, 4}, 6), labels({0, 1}, {2})),
                       doctest::Contains("nll_loss: target [2] does not fit input [2,3,4], "
                                         "expected class indices [2,4]"),
                       Error);
  CHECK_THROWS_WITH_AS(nll_loss(x, labels({1, 2, 3, 4}, {4}), {.weight = leaf({1}, {1})}),
                       doctest::Contains("nll_loss: weight must hold one value per class"), Error);
  CHECK_THROWS_WITH_AS(nll_loss(Variable(zeros({0, 3}, kFloat64)), labels({}, {0})),
                       doctest::Contains("nll_loss: input is empty"), Error);
}

}  // namespace
}  // namespace minidl::losses
