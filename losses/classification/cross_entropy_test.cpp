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

// Both rows have probabilities [1/4, 3/4]; targets 1 and 0 cost ln(4/3) and ln 4.
const double kLn3 = std::log(3.0);

TEST_CASE("cross_entropy: known values for each reduction, weights and smoothing") {
  const Variable x = leaf({0, kLn3, 0, kLn3}, {2, 2});
  const Variable y = labels({1, 0}, {2});
  const double a = std::log(4.0 / 3.0), b = std::log(4.0);
  CHECK(cross_entropy(x, y).item() == doctest::Approx((a + b) / 2));
  CHECK(cross_entropy(x, y, {.reduction = Reduction::Sum}).item() == doctest::Approx(a + b));
  CHECK_TENSOR_CLOSE(cross_entropy(x, y, {.reduction = Reduction::None}).value(),
                     from_vector(std::vector<double>{a, b}, {2}));
  // Weighted mean: (1 a + 3 b) / (1 + 3), not / N.
  const Variable w(from_vector(std::vector<double>{3, 1}, {2}));
  CHECK(cross_entropy(x, y, {.weight = w}).item() == doctest::Approx((a + 3 * b) / 4));
  // Smoothing 0.5 over C = 2: (1 - 0.5) nll + (0.5 / 2) (a + b) per row.
  const double smooth = 0.25 * (a + b);
  CHECK(cross_entropy(x, y, {.label_smoothing = 0.5}).item() ==
        doctest::Approx(((0.5 * a + smooth) + (0.5 * b + smooth)) / 2));
  // A probability target [1/2, 1/2] costs (a + b) / 2 per row; mean divides by N.
  const Variable p(from_vector(std::vector<double>{0.5, 0.5, 0.5, 0.5}, {2, 2}));
  CHECK(cross_entropy(x, p).item() == doctest::Approx((a + b) / 2));
}

TEST_CASE("cross_entropy: gradcheck for input and weight, every reduction") {
  const Variable y = labels({2, 0, -100, 3, 1}, {5});
  const Variable w = leaf({0.5, 1.5, 2.0, 0.7}, {4});
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    for (double e : {0.0, 0.2}) {
      CAPTURE(e);
      CHECK(gradcheck(
          [&](const auto& v) {
            return std::vector{
                cross_entropy(v[0], y, {.weight = v[1], .reduction = r, .label_smoothing = e})};
          },
          {random_leaf({5, 4}, 1), w}));
    }
  }
}

TEST_CASE("cross_entropy: gradcheck for [N, C, d1, d2] and probability targets") {
  Generator gen(3);
  Tensor y4 = randint(0, 3, {2, 2, 2}, gen);
  y4.data<std::int64_t>()[1] = -100;
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    CHECK(gradcheck(
        [&](const auto& v) {
          return std::vector{
              cross_entropy(v[0], Variable(y4), {.reduction = r, .label_smoothing = 0.1})};
        },
        {random_leaf({2, 3, 2, 2}, 4)}));
    // Probability targets: input, target and weight are all differentiable.
    const Variable p(softmax(random_leaf({3, 4}, 5), 1).value(), true);
    CHECK(gradcheck(
        [&](const auto& v) {
          return std::vector{
              cross_entropy(v[0], v[1], {.weight = v[2], .reduction = r, .label_smoothing = 0.3})};
        },
        {random_leaf({3, 4}, 6), p, leaf({0.5, 1.5, 2.0, 0.7}, {4})}));
  }
}

TEST_CASE("cross_entropy: matches PyTorch") {
  CHECK(testing::check_loss_fixtures("cross_entropy") >= 50);
}

TEST_CASE("cross_entropy: every target ignored gives a mean of 0 and a zero gradient") {
  Variable x = random_leaf({3, 4}, 7);
  const Variable y = labels({-100, -100, -100}, {3});
  const Variable w = leaf({1, 2, 3, 4}, {4});
  for (double e : {0.0, 0.1}) {
    const Variable loss = cross_entropy(x, y, {.weight = w, .label_smoothing = e});
    CHECK(loss.item() == 0.0);
    backward(loss);
    CHECK_TENSOR_CLOSE(x.grad().value(), zeros({3, 4}, kFloat64));
    x.zero_grad();
  }
}

TEST_CASE("cross_entropy: ignored items give 0 and no gradient, even with -inf logits") {
  const double inf = std::numeric_limits<double>::infinity();
  const Variable x = leaf({-inf, 1, 2, 0.5, 1.5, 3}, {2, 3});
  const Variable y = labels({-100, 2}, {2});
  const Variable loss = cross_entropy(x, y, {.reduction = Reduction::None, .label_smoothing = 0.1});
  CHECK(loss.value().at(0) == 0.0);
  CHECK(std::isfinite(loss.value().at(1)));
  backward(sum(loss));
  for (std::int64_t i = 0; i < 3; ++i) CHECK(x.grad().value().at(i) == 0.0);
  // ignore_index may be a real class: its items are skipped.
  const Variable z = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK(cross_entropy(z, labels({2, 0}, {2}), {.ignore_index = 2}).item() ==
        doctest::Approx(-log_softmax(z, 1).value().at(3)));
}

TEST_CASE("cross_entropy: logits of +-1e4 give a finite loss and gradient") {
  const Variable x = leaf({1e4, -1e4, 0, -1e4, 1e4, 0}, {2, 3});
  const Variable y = labels({1, 1}, {2});
  const Variable loss = cross_entropy(x, y, {.label_smoothing = 0.1});
  CHECK(std::isfinite(loss.item()));
  CHECK(cross_entropy(x, y).item() == doctest::Approx(1e4));
  backward(loss);
  for (double g : x.grad().value().to_vector()) CHECK(std::isfinite(g));
}

TEST_CASE("cross_entropy: float32 input, [C] input with a 0-d target") {
  const Variable x(from_vector(std::vector<float>{0, static_cast<float>(kLn3)}, {2}), true);
  const Variable loss = cross_entropy(x, Variable(scalar_tensor(1, kInt64)));
  CHECK(loss.dtype() == kFloat32);
  CHECK(loss.dim() == 0);
  CHECK(loss.item() == doctest::Approx(std::log(4.0 / 3.0)).epsilon(1e-6));
}

TEST_CASE("cross_entropy: errors name the op, the values and the shapes") {
  const Variable x = random_leaf({4, 10}, 8);
  CHECK_THROWS_WITH_AS(cross_entropy(x, labels({1, 2, 3, 12}, {4})),
                       doctest::Contains("cross_entropy: label 12 at position 3 is out of range "
                                         "[0, 10)"),
                       Error);
  CHECK_THROWS_WITH_AS(cross_entropy(x, labels({1, -1, 3, 2}, {4})),
                       doctest::Contains("label -1 at position 1"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(x, labels({1, 2, 3}, {3})),
                       doctest::Contains("cross_entropy: target [3] does not fit input [4,10], "
                                         "expected class indices [4]"),
                       Error);
  CHECK_THROWS_WITH_AS(cross_entropy(x, Variable(zeros({4}, kFloat64))),
                       doctest::Contains("must have input's shape [4,10], got [4] (class "
                                         "indices must be int64)"),
                       Error);
  CHECK_THROWS_WITH_AS(cross_entropy(x, labels({1, 2, 3, 4}, {4}), {.weight = leaf({1, 2}, {2})}),
                       doctest::Contains("cross_entropy: weight must hold one value per class, "
                                         "[10], got [2]"),
                       Error);
  CHECK_THROWS_WITH_AS(cross_entropy(x, labels({1, 2, 3, 4}, {4}), {.label_smoothing = 1.5}),
                       doctest::Contains("label_smoothing must be in [0, 1], got 1.5"), Error);
  CHECK_THROWS_WITH_AS(
      cross_entropy(x, Variable(zeros({4, 10}, kFloat64)), {.ignore_index = 0}),
      doctest::Contains("cross_entropy: ignore_index is not supported for probability targets"),
      Error);
  CHECK_THROWS_WITH_AS(cross_entropy(Variable(zeros({0, 10}, kFloat64)), labels({}, {0})),
                       doctest::Contains("cross_entropy: input is empty"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(Variable(zeros({4, 10}, kInt64)), labels({1, 2, 3, 4}, {4})),
                       doctest::Contains("cross_entropy: input must be float32 or float64"), Error);
  CHECK_THROWS_WITH_AS(
      cross_entropy(Variable(scalar_tensor(1.0, kFloat64)), Variable(scalar_tensor(0, kInt64))),
      doctest::Contains("cross_entropy: input must be [C], [N, C] or"), Error);
  CHECK_THROWS_WITH_AS(
      cross_entropy(x, labels({1, 2, 3, 4}, {4}), {.reduction = Reduction::BatchMean}),
      doctest::Contains("cross_entropy: reduction 'batchmean' is only for kl_div"), Error);
}

}  // namespace
}  // namespace minidl::losses
