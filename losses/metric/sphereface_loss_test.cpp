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
double lse(double a, double b) { return std::max(a, b) + std::log1p(std::exp(-std::abs(a - b))); }
Variable at_angle(double deg, double norm = 1.0) {
  const double r = deg * M_PI / 180;
  return leaf({norm * std::cos(r), norm * std::sin(r)}, {1, 2});
}

TEST_CASE("sphereface_loss: known values by hand") {
  // x at 60 degrees with |x| = 2; class rows (3, 0) and (0, 0.5): cos = (0.5, cos 30 deg).
  const Variable w = leaf({3, 0, 0, 0.5}, {2, 2});
  const double other = 2 * std::cos(M_PI / 6);
  // m = 2: m theta = 120 deg, k = 0, psi = cos 120 deg = -0.5.
  CHECK(sphereface_loss(at_angle(60, 2), labels({0}), w, {.margin = 2}).item() ==
        doctest::Approx(lse(-1.0, other) + 1.0));
  // m = 4: m theta = 240 deg, k = 1, psi = -cos 240 deg - 2 = -1.5.
  CHECK(sphereface_loss(at_angle(60, 2), labels({0}), w).item() ==
        doctest::Approx(lse(-3.0, other) + 3.0));
  // annealed, lambda 5: (5 * 0.5 - 1.5) / 6 = 1/6.
  CHECK(sphereface_loss(at_angle(60, 2), labels({0}), w, {.anneal_lambda = 5}).item() ==
        doctest::Approx(lse(2.0 / 6, other) - 2.0 / 6));
  // theta = pi: psi = -(2m - 1) = -7; the other class at 90 degrees has cos 0.
  CHECK(sphereface_loss(at_angle(180, 1.5), labels({0}), w).item() ==
        doctest::Approx(lse(-10.5, 0.0) + 10.5));
  // m = 1 is softmax cross-entropy of |x| cos theta (normalised rows, unnormalised x).
  CHECK(sphereface_loss(at_angle(60, 2), labels({1}), w, {.margin = 1}).item() ==
        doctest::Approx(lse(1.0, other) - other));
  CHECK(sphereface_lambda(1) == doctest::Approx(1500 / 1.1));
  CHECK(sphereface_lambda(100000) == 5.0);
}

TEST_CASE("sphereface_loss: psi is continuous and decreasing across the k boundaries") {
  // l = log(1 + e^{b - psi}) with b = cos of the angle to the other row (0, 1) = sin theta, so
  // psi = b - log(expm1(l)) is read back from the loss.
  const Variable w = leaf({1, 0, 0, 1}, {2, 2});
  double prev = 1.0 + 1e-9;
  for (double deg = 0.25; deg < 180; deg += 0.5) {
    const double l = sphereface_loss(at_angle(deg), labels({0}), w).item();
    const double psi = std::sin(deg * M_PI / 180) - std::log(std::expm1(l));
    CHECK(psi < prev);
    CHECK(prev - psi < 0.1);
    prev = psi;
  }
  CHECK(prev == doctest::Approx(-7).epsilon(1e-3));
}

TEST_CASE("sphereface_loss: gradcheck for embeddings and weight, every reduction") {
  Generator gen(7);
  const Variable x(randn({6, 4}, gen, kFloat64), true);
  const Variable w(randn({3, 4}, gen, kFloat64), true);
  const Variable y = labels({0, 1, 2, 2, 1, 0});
  for (double lambda : {0.0, 5.0})
    for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None})
      CHECK(gradcheck(
          [&](const auto& v) {
            return std::vector{
                sphereface_loss(v[0], y, v[1], {.anneal_lambda = lambda, .reduction = r})};
          },
          {x, w}));
}

TEST_CASE("sphereface_loss: matches the reference formula") {
  CHECK(testing::check_loss_fixtures("sphereface_loss") >= 7);
}

TEST_CASE("sphereface_loss: finite loss and gradient at cos theta = +-1") {
  const Variable x = leaf({1, 0, -1, 0, 0, 50, 0, -1e-3}, {4, 2});
  const Variable w = leaf({2, 0, 0, 2}, {2, 2});
  const Variable l = sphereface_loss(x, labels({0, 0, 1, 1}), w, {.reduction = Reduction::Sum});
  CHECK(std::isfinite(l.item()));
  backward(l);
  for (const Variable& v : {x, w})
    for (double g : v.grad().value().to_vector()) CHECK(std::isfinite(g));
  // a zero embedding: every logit 0, loss log C, gradient finite
  const Variable z = leaf({0, 0}, {1, 2});
  const Variable lz = sphereface_loss(z, labels({1}), w);
  CHECK(lz.item() == doctest::Approx(std::log(2.0)));
  backward(lz);
  for (double g : z.grad().value().to_vector()) CHECK(std::isfinite(g));
}

TEST_CASE("sphereface_loss: errors name the loss") {
  const Variable x = leaf({1, 2, 3, 4}, {2, 2});
  const Variable w = leaf({1, 0, 0, 1, 1, 1}, {3, 2});
  CHECK_THROWS_WITH_AS(sphereface_loss(x, labels({0, 3}), w),
                       doctest::Contains("sphereface_loss: label 3 at position 1 is out of range"),
                       Error);
  CHECK_THROWS_WITH_AS(sphereface_loss(x, labels({0, 1}), leaf({1, 0, 0}, {1, 3})),
                       doctest::Contains("sphereface_loss: weight and embeddings differ in D"),
                       Error);
  CHECK_THROWS_WITH_AS(sphereface_loss(x, labels({0, 1}), w, {.margin = 0}),
                       doctest::Contains("sphereface_loss: margin must be an integer >= 1"), Error);
  CHECK_THROWS_WITH_AS(sphereface_loss(x, labels({0, 1}), w, {.anneal_lambda = -1}),
                       doctest::Contains("sphereface_loss: anneal_lambda must be >= 0"), Error);
  CHECK_THROWS_WITH_AS(sphereface_loss(Variable(zeros({0, 2})), Variable(zeros({0}, kInt64)), w),
                       doctest::Contains("sphereface_loss: embeddings is empty"), Error);
}

}  // namespace
}  // namespace minidl::losses
