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
// A 2-D unit embedding at `deg` degrees from the x axis (class 0's row is (1, 0), class 1's (0,
// 1)).
Variable at_angle(double deg, double norm = 1.0) {
  const double r = deg * M_PI / 180;
  return leaf({norm * std::cos(r), norm * std::sin(r)}, {1, 2});
}

TEST_CASE("arcface_loss: known values by hand, each branch") {
  const Variable w = leaf({3, 0, 0, 0.5}, {2, 2});
  const double s = 2, m = 0.5;
  // 60 degrees: main branch, target logit s cos(60 deg + m), other s cos 30 deg.
  const double t60 = s * std::cos(M_PI / 3 + m);
  CHECK(arcface_loss(at_angle(60, 4), labels({0}), w, {.scale = s, .margin = m}).item() ==
        doctest::Approx(lse(t60, s * std::cos(M_PI / 6)) - t60));
  // 170 degrees > pi - m (151.4): the fallback cos theta - m sin m.
  const double t170 = s * (std::cos(170 * M_PI / 180) - m * std::sin(m));
  CHECK(arcface_loss(at_angle(170), labels({0}), w, {.scale = s, .margin = m}).item() ==
        doctest::Approx(lse(t170, s * std::cos(80 * M_PI / 180)) - t170));
  // easy_margin at 100 degrees: no margin (cos theta_y < 0); at 60 degrees the same as above.
  const double t100 = s * std::cos(100 * M_PI / 180);
  CHECK(arcface_loss(at_angle(100), labels({0}), w, {.scale = s, .margin = m, .easy_margin = true})
            .item() == doctest::Approx(lse(t100, s * std::cos(10 * M_PI / 180)) - t100));
  CHECK(arcface_loss(at_angle(60), labels({0}), w, {.scale = s, .margin = m, .easy_margin = true})
            .item() == doctest::Approx(lse(t60, s * std::cos(M_PI / 6)) - t60));
  // m = 0 is softmax cross-entropy of s cos theta.
  CHECK(arcface_loss(at_angle(60), labels({1}), w, {.scale = s, .margin = 0}).item() ==
        doctest::Approx(lse(s * 0.5, s * std::cos(M_PI / 6)) - s * std::cos(M_PI / 6)));
}

TEST_CASE("arcface_loss: gradcheck for embeddings and weight, every reduction") {
  Generator gen(5);
  const Variable x(randn({6, 4}, gen, kFloat64), true);
  const Variable w(randn({3, 4}, gen, kFloat64), true);
  const Variable y = labels({0, 1, 2, 2, 1, 0});
  for (bool easy : {false, true})
    for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None})
      CHECK(gradcheck(
          [&](const auto& v) {
            return std::vector{
                arcface_loss(v[0], y, v[1], {.scale = 4, .easy_margin = easy, .reduction = r})};
          },
          {x, w}));
  // the fallback branch (targets past pi - m) and the main branch together
  const Variable xf = leaf({-1, 0.1, 0.2, 1, 1, 0.3}, {3, 2});
  const Variable wf = leaf({1, 0, 0.2, 1}, {2, 2});
  CHECK(gradcheck(
      [&](const auto& v) {
        return std::vector{arcface_loss(v[0], labels({0, 1, 0}), v[1], {.scale = 3})};
      },
      {xf, wf}));
}

TEST_CASE("arcface_loss: matches the reference formula") {
  CHECK(testing::check_loss_fixtures("arcface_loss") >= 6);
}

TEST_CASE("arcface_loss: finite loss and gradient at cos theta = +-1") {
  // Embeddings exactly on, and exactly opposite, their class row (and a huge norm), s = 64.
  for (bool easy : {false, true}) {
    const Variable x = leaf({1, 0, -1, 0, 0, 1e6, 0, -1e-3}, {4, 2});
    const Variable w = leaf({2, 0, 0, 2}, {2, 2});
    const Variable l = arcface_loss(x, labels({0, 0, 1, 1}), w,
                                    {.easy_margin = easy, .reduction = Reduction::Sum});
    CHECK(std::isfinite(l.item()));
    backward(l);
    for (const Variable& v : {x, w})
      for (double g : v.grad().value().to_vector()) CHECK(std::isfinite(g));
  }
  // On the row: phi(1) = cos m up to the sqrt floor (sin theta = 1e-6).
  const Variable w = leaf({1, 0, 0, 1}, {2, 2});
  const double t = 2 * (std::cos(0.5) - 1e-6 * std::sin(0.5));
  CHECK(arcface_loss(at_angle(0), labels({0}), w, {.scale = 2}).item() ==
        doctest::Approx(lse(t, 0.0) - t).epsilon(1e-12));
}

TEST_CASE("arcface_loss: errors name the loss") {
  const Variable x = leaf({1, 2, 3, 4}, {2, 2});
  const Variable w = leaf({1, 0, 0, 1, 1, 1}, {3, 2});
  CHECK_THROWS_WITH_AS(arcface_loss(x, labels({5, 0}), w),
                       doctest::Contains("arcface_loss: label 5 at position 0 is out of range"),
                       Error);
  CHECK_THROWS_WITH_AS(arcface_loss(x, labels({0, 1}), leaf({1, 0, 0}, {1, 3})),
                       doctest::Contains("arcface_loss: weight and embeddings differ in D"), Error);
  CHECK_THROWS_WITH_AS(arcface_loss(x, labels({0, 1}), w, {.margin = 4}),
                       doctest::Contains("arcface_loss: margin must be in [0, pi) radians"), Error);
  CHECK_THROWS_WITH_AS(arcface_loss(Variable(zeros({0, 2})), Variable(zeros({0}, kInt64)), w),
                       doctest::Contains("arcface_loss: embeddings is empty"), Error);
}

}  // namespace
}  // namespace minidl::losses
