#include <doctest/doctest.h>

#include <cmath>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/metric.h"
#include "tensor/error.h"
#include "tensor/random.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }
Variable labels(std::vector<std::int64_t> v) { return Variable(from_vector(v)); }
Variable points_1d(std::vector<double> v) {
  const auto n = static_cast<std::int64_t>(v.size());
  return leaf(v, {n, 1});
}

TEST_CASE("batch_hard_triplet_loss: known values by hand") {
  // 1-D points 0, 1, 3, 2.5, 10 with labels 0, 0, 1, 1, 2; margin 1. Hardest (p, n) per anchor:
  //   a0: (1, 3): 1 + 1 - 2.5 < 0    a1: (0, 3): 1 + 1 - 1.5 = 0.5
  //   a2: (3, 1): 1 + 0.5 - 2 < 0    a3: (2, 1): 1 + 0.5 - 1.5 = 0 (the kink)    a4: no positive
  const Variable x = points_1d({0, 1, 3, 2.5, 10});
  const Variable y = labels({0, 0, 1, 1, 2});
  TripletDiagnostics diag;
  CHECK(batch_hard_triplet_loss(x, y, {.margin = 1.0, .diagnostics = &diag}).item() ==
        doctest::Approx(0.5 / 4));
  CHECK(diag.num_triplets == 4);
  CHECK(diag.num_active == 1);
  CHECK(diag.mean_negative == doctest::Approx((2.5 + 1.5 + 2 + 1.5) / 4));
  CHECK_TENSOR_CLOSE(
      batch_hard_triplet_loss(x, y, {.margin = 1.0, .reduction = Reduction::None}).value(),
      from_vector(std::vector<double>{0, 0.5, 0, 0}));
  const Variable soft =
      batch_hard_triplet_loss(x, y, {.soft_margin = true, .reduction = Reduction::Sum});
  CHECK(soft.item() == doctest::Approx(std::log1p(std::exp(-1.5)) + std::log1p(std::exp(-0.5)) +
                                       std::log1p(std::exp(-1.5)) + std::log1p(std::exp(-1.0))));
  // The kink at a3 takes the subgradient 0: only a1's triplet (1, 0, 3) moves points.
  backward(batch_hard_triplet_loss(x, y, {.margin = 1.0, .reduction = Reduction::Sum}));
  CHECK_TENSOR_CLOSE(x.grad().value(), from_vector(std::vector<double>{-1, 2, 0, -1, 0}, {5, 1}));
}

TEST_CASE("batch_hard_triplet_loss: gradcheck with fixed mining results, every reduction") {
  Generator gen(4);
  const Variable x(randn({8, 3}, gen, kFloat64), true);
  const Variable y = labels({0, 0, 1, 1, 2, 2, 0, 1});
  for (Distance d : {Distance::kEuclidean, Distance::kCosine})
    for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None})
      for (bool soft : {false, true}) {
        // Mine once; the gradient check then perturbs a loss with fixed triplets (a perturbation
        // must not change which negative is hardest halfway through a central difference).
        const TripletTuples fixed = batch_hard_triplets(x.value(), y.value(), {.distance = d});
        CHECK(gradcheck(
            [&](const auto& v) {
              return std::vector{triplet_tuple_loss(
                  v[0], fixed,
                  {.margin = 1.0, .soft_margin = soft, .distance = d, .reduction = r})};
            },
            {x}));
        // and the loss itself equals that fixed-tuple loss
        CHECK(batch_hard_triplet_loss(x, y, {.margin = 1.0, .soft_margin = soft, .distance = d})
                  .item() ==
              doctest::Approx(
                  triplet_tuple_loss(x, fixed, {.margin = 1.0, .soft_margin = soft, .distance = d})
                      .item()));
        CHECK(gradcheck(
            [&](const auto& v) {
              return std::vector{batch_hard_triplet_loss(
                  v[0], y, {.margin = 1.0, .soft_margin = soft, .distance = d, .reduction = r})};
            },
            {x}));
      }
}

TEST_CASE("batch_hard_triplet_loss: matches the reference formula") {
  CHECK(testing::check_loss_fixtures("batch_hard_triplet_loss") >= 6);
}

TEST_CASE("batch_hard_triplet_loss: no valid triplet gives exactly 0 and zero gradients") {
  for (auto y : {labels({0, 1, 2, 3}), labels({7, 7, 7, 7})}) {
    const Variable x = leaf({0, 1, 2, 3, 4, 5, 6, INFINITY}, {4, 2});
    TripletDiagnostics diag{.num_triplets = 5};
    const Variable l = batch_hard_triplet_loss(x, y, {.diagnostics = &diag});
    CHECK(l.item() == 0.0);
    CHECK(diag.num_triplets == 0);
    backward(l);
    for (double g : x.grad().value().to_vector()) CHECK(g == 0.0);
  }
}

TEST_CASE("batch_hard_triplet_loss: errors name the loss") {
  const Variable x = points_1d({0, 1, 2});
  CHECK_THROWS_WITH_AS(batch_hard_triplet_loss(x, labels({0, 1})),
                       doctest::Contains("batch_hard_triplet_loss: labels must be [3], got [2]"),
                       Error);
  CHECK_THROWS_WITH_AS(batch_hard_triplet_loss(x, Variable(zeros({3}))),
                       doctest::Contains("batch_hard_triplet_loss: labels must be int64"), Error);
  CHECK_THROWS_WITH_AS(
      batch_hard_triplet_loss(Variable(zeros({0, 2})), Variable(zeros({0}, kInt64))),
      doctest::Contains("batch_hard_triplet_loss: embeddings is empty"), Error);
  CHECK_THROWS_WITH_AS(batch_hard_triplet_loss(x, labels({0, 0, 1}), {.margin = -1}),
                       doctest::Contains("batch_hard_triplet_loss: margin must be >= 0"), Error);
  CHECK_THROWS_WITH_AS(batch_hard_triplet_loss(leaf({1, 2}, {2}), labels({0, 1})),
                       doctest::Contains("embeddings must be [N, D], got [2]"), Error);
}

}  // namespace
}  // namespace minidl::losses
