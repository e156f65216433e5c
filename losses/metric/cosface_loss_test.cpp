#include <doctest/doctest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/metric_angular.h"
#include "tensor/error.h"
#include "tensor/random.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }
Variable labels(std::vector<std::int64_t> v) { return Variable(from_vector(v)); }

TEST_CASE("cosface_loss: known value by hand") {
  // x = (3, 0) against w_0 = (2, 0), w_1 = (0, 5): cos = (1, 0). s = 2, m = 0.5:
  // z = (2 (1 - 0.5), 0) = (1, 0), l = log(1 + e^-1).
  const Variable x = leaf({3, 0}, {1, 2});
  const Variable w = leaf({2, 0, 0, 5}, {2, 2});
  const Variable l = cosface_loss(x, labels({0}), w, {.scale = 2, .margin = 0.5});
  CHECK(l.item() == doctest::Approx(std::log1p(std::exp(-1.0))));
  // Label 1: z = (2, -1), l = log(1 + e^3) - ... = logsumexp(2, -1) + 1.
  const Variable l1 = cosface_loss(x, labels({1}), w, {.scale = 2, .margin = 0.5});
  CHECK(l1.item() == doctest::Approx(std::log(std::exp(2.0) + std::exp(-1.0)) + 1.0));
  // m = 0 and s = 1 is plain softmax cross-entropy of the cosines.
  CHECK(cosface_loss(x, labels({0}), w, {.scale = 1, .margin = 0}).item() ==
        doctest::Approx(std::log(std::exp(1.0) + 1.0) - 1.0));
}

TEST_CASE("cosface_loss: gradcheck for embeddings and weight, every reduction") {
  Generator gen(3);
  const Variable x(randn({6, 4}, gen, kFloat64), true);
  const Variable w(randn({3, 4}, gen, kFloat64), true);
  const Variable y = labels({0, 1, 2, 2, 1, 0});
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None})
    CHECK(gradcheck(
        [&](const auto& v) {
          return std::vector{cosface_loss(v[0], y, v[1], {.scale = 4, .reduction = r})};
        },
        {x, w}));
}

TEST_CASE("cosface_loss: matches the reference formula") {
  CHECK(testing::check_loss_fixtures("cosface_loss") >= 5);
}

TEST_CASE("cosface_loss: finite loss and gradient at extreme angles") {
  // theta = 0 and theta = pi for the target (cos = +-1), huge and tiny norms, default s = 64.
  const Variable x = leaf({1e4, 0, -1e-4, 0, 0, 1e4}, {3, 2});
  const Variable w = leaf({1, 0, 0, 1}, {2, 2});
  const Variable l = cosface_loss(x, labels({0, 0, 1}), w, {.reduction = Reduction::Sum});
  CHECK(std::isfinite(l.item()));
  // The anti-parallel sample: z = (64 (-1 - 0.35), 0), l = log(1 + e^{86.4}) ~ 86.4.
  CHECK(cosface_loss(leaf({-1, 0}, {1, 2}), labels({0}), w).item() ==
        doctest::Approx(64 * 1.35).epsilon(1e-9));
  backward(l);
  for (const Variable& v : {x, w})
    for (double g : v.grad().value().to_vector()) CHECK(std::isfinite(g));
}

TEST_CASE("cosface_loss: errors name the loss") {
  const Variable x = leaf({1, 2, 3, 4}, {2, 2});
  const Variable w = leaf({1, 0, 0, 1, 1, 1}, {3, 2});
  CHECK_THROWS_WITH_AS(cosface_loss(x, labels({0, 3}), w),
                       doctest::Contains("cosface_loss: label 3 at position 1 is out of range"),
                       Error);
  CHECK_THROWS_WITH_AS(cosface_loss(x, labels({0, -1}), w),
                       doctest::Contains("cosface_loss: label -1"), Error);
  CHECK_THROWS_WITH_AS(cosface_loss(x, labels({0, 1}), leaf({1, 0, 0}, {1, 3})),
                       doctest::Contains("cosface_loss: weight and embeddings differ in D"), Error);
  CHECK_THROWS_WITH_AS(cosface_loss(x, labels({0}), w),
                       doctest::Contains("cosface_loss: labels must be [2], got [1]"), Error);
  CHECK_THROWS_WITH_AS(cosface_loss(x, Variable(zeros({2})), w),
                       doctest::Contains("cosface_loss: labels must be int64"), Error);
  CHECK_THROWS_WITH_AS(cosface_loss(Variable(zeros({0, 2})), Variable(zeros({0}, kInt64)), w),
                       doctest::Contains("cosface_loss: embeddings is empty"), Error);
  CHECK_THROWS_WITH_AS(cosface_loss(leaf({1, 2}, {2}), labels({0, 1}), w),
                       doctest::Contains("cosface_loss: embeddings must be [N, D], got [2]"),
                       Error);
}

}  // namespace
}  // namespace minidl::losses
