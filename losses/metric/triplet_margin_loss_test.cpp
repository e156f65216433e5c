#include <doctest/doctest.h>

#include <cmath>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/metric.h"
#include "tensor/error.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }

TEST_CASE("triplet_margin_loss: known values for each reduction") {
  // eps 0: d(a, p) = 5, d(a, n) = 1 and 6: [1 + 5 - 1]_+ = 5, [1 + 5 - 6]_+ = 0
  const Variable a = leaf({0, 0, 0, 0}, {2, 2});
  const Variable p = leaf({3, 4, 3, 4}, {2, 2});
  const Variable n = leaf({0, 1, 6, 0}, {2, 2});
  CHECK(triplet_margin_loss(a, p, n, {.eps = 0}).item() == doctest::Approx(2.5));
  CHECK(triplet_margin_loss(a, p, n, {.eps = 0, .reduction = Reduction::Sum}).item() ==
        doctest::Approx(5.0));
  CHECK_TENSOR_CLOSE(triplet_margin_loss(a, p, n, {.eps = 0, .reduction = Reduction::None}).value(),
                     from_vector(std::vector<double>{5, 0}));
  // swap: d(p, n) = |(3, 3)| = 4.24 for row 0 (no change, 1 < 4.24) and |(-3, 4)| = 5 for row 1:
  // [1 + 5 - 5]_+ = 1
  CHECK_TENSOR_CLOSE(
      triplet_margin_loss(a, p, n, {.eps = 0, .swap = true, .reduction = Reduction::None}).value(),
      from_vector(std::vector<double>{5, 1}));
  // p = 1: d(a, p) = 7, d(a, n) = 1: 1 + 7 - 1 = 7
  CHECK(triplet_margin_loss(a, p, n, {.p = 1, .eps = 0, .reduction = Reduction::Sum}).item() ==
        doctest::Approx(7.0 + 2.0));
  // 1-D inputs give a 0-d loss
  CHECK(triplet_margin_loss(leaf({0, 0}, {2}), leaf({3, 4}, {2}), leaf({0, 1}, {2}), {.eps = 0})
            .item() == doctest::Approx(5.0));
}

TEST_CASE("triplet_margin_loss: gradcheck for anchor, positive and negative, every reduction") {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None})
    for (bool swap : {false, true})
      for (double p : {1.0, 2.0, 3.0}) {
        const Variable a = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4}, {2, 3});
        const Variable pos = leaf({0.1, 0.5, -1.0, 0.7, 2.2, 0.0}, {2, 3});
        const Variable neg = leaf({1.1, -0.5, 0.4, 0.2, 0.3, -0.9}, {2, 3});
        CHECK(gradcheck(
            [&](const auto& v) {
              return std::vector{triplet_margin_loss(
                  v[0], v[1], v[2], {.margin = 2.0, .p = p, .swap = swap, .reduction = r})};
            },
            {a, pos, neg}));
      }
}

TEST_CASE("triplet_margin_loss: matches PyTorch") {
  CHECK(testing::check_loss_fixtures("triplet_margin_loss") >= 10);
}

TEST_CASE("triplet_margin_loss: the hinge at 0 passes the gradient, as PyTorch's clamp_min") {
  // d(a, p) = 1, d(a, n) = 2, margin 1: exactly at the kink (eps 0)
  const Variable a = leaf({0, 0}, {1, 2}), p = leaf({1, 0}, {1, 2}), n = leaf({0, 2}, {1, 2});
  const Variable l = triplet_margin_loss(a, p, n, {.eps = 0});
  CHECK(l.item() == 0.0);
  backward(l);
  CHECK_TENSOR_CLOSE(p.grad().value(), from_vector(std::vector<double>{1, 0}, {1, 2}));
  // identical anchor and positive, eps 0: the zero difference gets gradient 0, not NaN
  const Variable a2 = leaf({1, 1}, {1, 2}), p2 = leaf({1, 1}, {1, 2}), n2 = leaf({1, 1.5}, {1, 2});
  backward(triplet_margin_loss(a2, p2, n2, {.eps = 0}));
  for (double g : p2.grad().value().to_vector()) CHECK(g == 0.0);
  // huge values stay finite
  const Variable big = leaf({1e4, -1e4}, {1, 2}), small = leaf({-1e4, 1e4}, {1, 2});
  const Variable lb = triplet_margin_loss(big, small, big);
  backward(lb);
  CHECK(std::isfinite(lb.item()));
  for (double g : big.grad().value().to_vector()) CHECK(std::isfinite(g));
}

TEST_CASE("triplet_margin_loss: errors name the loss and the shapes") {
  const Variable x = leaf({1, 2, 3, 4}, {2, 2}), y = leaf({1, 2}, {1, 2});
  CHECK_THROWS_WITH_AS(triplet_margin_loss(x, y, x),
                       doctest::Contains("triplet_margin_loss: anchor [2,2] and positive [1,2]"),
                       Error);
  CHECK_THROWS_WITH_AS(triplet_margin_loss(Variable(zeros({0, 2})), Variable(zeros({0, 2})),
                                           Variable(zeros({0, 2}))),
                       doctest::Contains("triplet_margin_loss: anchor is empty"), Error);
  const Variable z = leaf({1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2});
  CHECK_THROWS_WITH_AS(triplet_margin_loss(z, z, z),
                       doctest::Contains("inputs must be [N, D] or [D], got [2,2,2]"), Error);
  CHECK_THROWS_WITH_AS(triplet_margin_loss(x, x, x, {.p = 0}),
                       doctest::Contains("triplet_margin_loss: p must be > 0"), Error);
  CHECK_THROWS_WITH_AS(triplet_margin_loss(Variable(zeros({2, 2}, kInt64)), x, x),
                       doctest::Contains("anchor must be float32 or float64"), Error);
}

}  // namespace
}  // namespace minidl::losses
