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

TEST_CASE("batch_all_triplet_loss: known values, BA != 0 and BA") {
  // 1-D points 0, 1, 3, 2.5, 10 with labels 0, 0, 1, 1, 2; margin 1: of the 12 triplets only
  // (1, 0, 3) is positive (0.5); (1, 0, 2) and (3, 2, 1) sit at the kink.
  const Variable x = points_1d({0, 1, 3, 2.5, 10});
  const Variable y = labels({0, 0, 1, 1, 2});
  TripletDiagnostics diag;
  CHECK(batch_all_triplet_loss(x, y, {.margin = 1.0, .diagnostics = &diag}).item() ==
        doctest::Approx(0.5));
  CHECK(diag.num_triplets == 12);
  CHECK(diag.num_active == 1);
  CHECK(batch_all_triplet_loss(x, y, {.margin = 1.0, .average_nonzero_only = false}).item() ==
        doctest::Approx(0.5 / 12));
  CHECK(batch_all_triplet_loss(x, y, {.margin = 1.0, .reduction = Reduction::Sum}).item() ==
        doctest::Approx(0.5));
  CHECK(batch_all_triplet_loss(x, y, {.margin = 1.0, .reduction = Reduction::None}).shape() ==
        Shape{12});
  // every triplet satisfied with margin 0.1 except none: the BA != 0 mean is 0, not NaN
  const Variable easy = batch_all_triplet_loss(points_1d({0, 0.1, 5, 5.1}), labels({0, 0, 1, 1}));
  CHECK(easy.item() == 0.0);
}

TEST_CASE("batch_all_triplet_loss: gradcheck, every distance and reduction") {
  Generator gen(6);
  const Variable x(randn({7, 3}, gen, kFloat64), true);
  const Variable y = labels({0, 0, 1, 1, 2, 2, 0});
  for (Distance d :
       {Distance::kEuclidean, Distance::kSquaredEuclidean, Distance::kCosine, Distance::kDot})
    for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None})
      for (bool soft : {false, true}) {
        CAPTURE(to_string(d));
        CHECK(gradcheck(
            [&](const auto& v) {
              return std::vector{batch_all_triplet_loss(
                  v[0], y, {.margin = 0.7, .soft_margin = soft, .distance = d, .reduction = r})};
            },
            {x}));
      }
  CHECK(gradcheck(
      [&](const auto& v) {
        return std::vector{batch_all_triplet_loss(v[0], y, {.normalize_embeddings = true})};
      },
      {x}));
}

TEST_CASE("batch_all_triplet_loss: matches the reference formula") {
  CHECK(testing::check_loss_fixtures("batch_all_triplet_loss") >= 6);
}

TEST_CASE("batch_all_triplet_loss: no valid triplet gives exactly 0 and zero gradients") {
  for (auto y : {labels({0, 1, 2, 3}), labels({7, 7, 7, 7})})
    for (Reduction r : {Reduction::Mean, Reduction::Sum}) {
      const Variable x = leaf({0, 1, 2, 3, 4, 5, 6, INFINITY}, {4, 2});
      const Variable l = batch_all_triplet_loss(x, y, {.soft_margin = true, .reduction = r});
      CHECK(l.item() == 0.0);
      backward(l);
      for (double g : x.grad().value().to_vector()) CHECK(g == 0.0);
    }
  const Variable x = leaf({0, 1, 2, 3}, {2, 2});
  CHECK(batch_all_triplet_loss(x, labels({0, 1}), {.reduction = Reduction::None}).shape() ==
        Shape{0});
}

TEST_CASE("batch_all_triplet_loss: errors name the loss") {
  const Variable x = points_1d({0, 1, 2});
  CHECK_THROWS_WITH_AS(batch_all_triplet_loss(x, labels({0, 1})),
                       doctest::Contains("batch_all_triplet_loss: labels must be [3], got [2]"),
                       Error);
  CHECK_THROWS_WITH_AS(
      batch_all_triplet_loss(x, labels({0, 0, 1}), {.reduction = Reduction::BatchMean}),
      doctest::Contains("batch_all_triplet_loss: reduction must be"), Error);
  CHECK_THROWS_WITH_AS(batch_all_triplet_loss(Variable(zeros({3, 1}, kInt64)), labels({0, 0, 1})),
                       doctest::Contains("embeddings must be float32 or float64"), Error);
}

}  // namespace
}  // namespace minidl::losses
