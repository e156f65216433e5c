#include "losses/metric/tuple_loss_util.h"

#include <doctest/doctest.h>

#include <cmath>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/metric.h"
#include "tensor/error.h"
#include "tensor/random.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }
Tensor labels(std::vector<std::int64_t> v) { return from_vector(v); }
Variable points_1d(std::vector<double> v) {
  const auto n = static_cast<std::int64_t>(v.size());
  return leaf(v, {n, 1});
}

void check_zero_gradient(const Variable& loss, const Variable& x) {
  CHECK(loss.item() == 0.0);
  backward(loss);
  REQUIRE(x.grad().defined());
  for (double g : x.grad().value().to_vector()) CHECK(g == 0.0);
}

TEST_CASE("tuple losses: zero tuples give exactly 0 and zero gradients, never NaN") {
  // Row 1 holds inf: a loss that multiplied the embeddings by 0 would turn it into NaN.
  Variable x = leaf({0, 1, INFINITY, 2, 3, 4}, {3, 2});
  const TripletTuples none_t = all_triplets(labels({0, 1, 2}));
  REQUIRE(none_t.count() == 0);
  for (Reduction r : {Reduction::Mean, Reduction::Sum}) {
    x.zero_grad();
    check_zero_gradient(triplet_tuple_loss(x, none_t, {.reduction = r}), x);
    x.zero_grad();
    check_zero_gradient(triplet_tuple_loss(x, none_t, {.soft_margin = true, .reduction = r}), x);
    x.zero_grad();
    check_zero_gradient(contrastive_pair_loss(x, to_pairs(none_t), {.reduction = r}), x);
  }
  CHECK(triplet_tuple_loss(x, none_t, {.reduction = Reduction::None}).shape() == Shape{0});
  TripletDiagnostics diag{.num_triplets = 99};
  triplet_tuple_loss(x, none_t, {.diagnostics = &diag});
  CHECK(diag.num_triplets == 0);
  CHECK(diag.mean_positive == 0.0);
}

TEST_CASE("tuple losses: triplet terms by hand, each reduction and BA != 0") {
  // 1-D points 0, 1, 3, 2.5, 10, labels 0, 0, 1, 1, 2; all 12 triplets, margin 1:
  // only (1, 0, 3) is positive, 1 + 1 - 1.5 = 0.5; (1, 0, 2) and (3, 2, 1) sit exactly at 0.
  const Variable x = points_1d({0, 1, 3, 2.5, 10});
  const TripletTuples t = all_triplets(labels({0, 0, 1, 1, 2}));
  TripletDiagnostics diag;
  const Variable terms =
      triplet_tuple_loss(x, t, {.margin = 1.0, .reduction = Reduction::None, .diagnostics = &diag});
  CHECK_TENSOR_CLOSE(terms.value(),
                     from_vector(std::vector<double>{0, 0, 0, 0, 0.5, 0, 0, 0, 0, 0, 0, 0}));
  CHECK(diag.num_triplets == 12);
  CHECK(diag.num_active == 1);
  CHECK(diag.num_anchors == 4);
  CHECK(diag.mean_positive == doctest::Approx((1 + 1 + 0.5 + 0.5) * 3 / 12.0));
  CHECK(triplet_tuple_loss(x, t, {.margin = 1.0}).item() == doctest::Approx(0.5 / 12));
  CHECK(triplet_tuple_loss(x, t, {.margin = 1.0, .average_nonzero_only = true}).item() ==
        doctest::Approx(0.5));
  CHECK(triplet_tuple_loss(x, t, {.margin = 1.0, .reduction = Reduction::Sum}).item() ==
        doctest::Approx(0.5));
  // The kinks take gradient 0: only (1, 0, 3) moves points 1, 0 and 3.
  backward(triplet_tuple_loss(x, t, {.margin = 1.0, .reduction = Reduction::Sum}));
  // 1 + |x1 - x0| - |x1 - x3| with x0 < x1 < x3: d/dx0 = -1, d/dx1 = 1 + 1 = 2, d/dx3 = -1.
  CHECK_TENSOR_CLOSE(x.grad().value(), from_vector(std::vector<double>{-1, 2, 0, -1, 0}, {5, 1}));
  // The soft margin: softplus of every gap, with slope 1/2 at a gap of 0.
  const Variable soft =
      triplet_tuple_loss(x, t, {.soft_margin = true, .reduction = Reduction::Sum});
  double expected = 0;
  for (double gap : {1 - 3.0, 1 - 2.5, 1 - 10.0, 1 - 2.0, 1 - 1.5, 1 - 9.0, 0.5 - 3, 0.5 - 2,
                     0.5 - 7, 0.5 - 2.5, 0.5 - 1.5, 0.5 - 7.5})
    expected += std::log1p(std::exp(gap));
  CHECK(soft.item() == doctest::Approx(expected));
}

TEST_CASE("tuple losses: similarities enter as -s") {
  // Cosine: anchor (1, 0), positive (0, 1) (s = 0), negative (1, 1) (s = 0.7071):
  // [0.2 + (-0) - (-0.7071)]_+ = 0.9071
  const Variable x = leaf({1, 0, 0, 1, 1, 1}, {3, 2});
  const TripletTuples t{labels({0}), labels({1}), labels({2})};
  CHECK(triplet_tuple_loss(x, t, {.distance = Distance::kCosine}).item() ==
        doctest::Approx(0.2 + std::sqrt(0.5)));
  CHECK(triplet_tuple_loss(x, t, {.distance = Distance::kDot}).item() == doctest::Approx(1.2));
}

TEST_CASE("tuple losses: gradcheck with fixed mining results, every distance and reduction") {
  Generator gen(2);
  const Variable x(randn({8, 3}, gen, kFloat64), true);
  const Tensor y = labels({0, 0, 1, 1, 2, 2, 0, 1});
  const TripletTuples t = all_triplets(y);
  const PairTuples pairs = all_pairs(y);
  for (Distance d :
       {Distance::kEuclidean, Distance::kSquaredEuclidean, Distance::kCosine, Distance::kDot})
    for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None})
      for (bool soft : {false, true}) {
        CAPTURE(to_string(d));
        CAPTURE(soft);
        CHECK(gradcheck(
            [&](const auto& v) {
              return std::vector{triplet_tuple_loss(
                  v[0], t, {.margin = 0.5, .soft_margin = soft, .distance = d, .reduction = r})};
            },
            {x}));
      }
  for (bool squared : {true, false})
    for (bool normalize : {false, true}) {
      CHECK(gradcheck(
          [&](const auto& v) {
            return std::vector{contrastive_pair_loss(
                v[0], pairs,
                {.margin = 2.0, .squared = squared, .normalize_embeddings = normalize})};
          },
          {x}));
    }
}

TEST_CASE("tuple losses: contrastive pair terms by hand") {
  // points 0, 1 (class 0) and 3 (class 1); margin 2.5: positives (0,1), (1,0): 1/2 each;
  // negatives (0,2): D 3 -> 0, (1,2): D 2 -> 1/2 (2.5 - 2)^2 = 0.125, (2,0) -> 0, (2,1) -> 0.125.
  const Variable x = points_1d({0, 1, 3});
  const PairTuples p = all_pairs(labels({0, 0, 1}));
  const Variable terms = contrastive_pair_loss(x, p, {.margin = 2.5, .reduction = Reduction::None});
  CHECK_TENSOR_CLOSE(terms.value(), from_vector(std::vector<double>{0.5, 0.5, 0, 0.125, 0, 0.125}));
  CHECK(contrastive_pair_loss(x, p, {.margin = 2.5}).item() == doctest::Approx(1.25 / 6));
  CHECK(contrastive_pair_loss(x, p, {.margin = 2.5, .squared = false}).item() ==
        doctest::Approx((1 + 1 + 0.5 + 0.5) / 6));
  // balanced: mean of the positives' terms (1/2) plus the negatives' (0.25 / 4)
  CHECK(contrastive_pair_loss(x, p, {.margin = 2.5, .balanced = true}).item() ==
        doctest::Approx(0.5 + 0.0625));
  CHECK(contrastive_pair_loss(
            x, p, {.margin = 2.5, .balanced = true, .positive_weight = 0, .negative_weight = 2})
            .item() == doctest::Approx(0.125));
  CHECK_TENSOR_CLOSE(contrastive_pair_loss(
                         x, p, {.margin = 2.5, .reduction = Reduction::None, .negative_weight = 2})
                         .value(),
                     from_vector(std::vector<double>{0.5, 0.5, 0, 0.25, 0, 0.25}));
  for (bool balanced : {false, true})
    CHECK(gradcheck(
        [&](const auto& v) {
          return std::vector{contrastive_pair_loss(
              v[0], p,
              {.margin = 2.5, .balanced = balanced, .positive_weight = 3, .negative_weight = 0.5})};
        },
        {leaf({0.2, 1.1, 2.9}, {3, 1})}));
}

TEST_CASE("tuple losses: the soft margin (softplus) has slope 1/2 at 0 and stays finite far out") {
  const Variable z = leaf({0, 1e4, -1e4}, {3});
  const Variable s = softplus(z);
  CHECK(s.value().at(0) == doctest::Approx(std::log(2.0)));
  CHECK(s.value().at(1) == doctest::Approx(1e4));
  CHECK(s.value().at(2) == 0.0);
  backward(sum(s));
  CHECK_TENSOR_CLOSE(z.grad().value(), from_vector(std::vector<double>{0.5, 1, 0}));
}

TEST_CASE("tuple losses: bad tuples are errors naming the loss") {
  const Variable x = points_1d({0, 1, 3});
  const TripletTuples out_of_range{labels({0}), labels({1}), labels({3})};
  CHECK_THROWS_WITH_AS(triplet_tuple_loss(x, out_of_range),
                       doctest::Contains("triplet_tuple_loss: tuple index 'negative' holds 3"),
                       Error);
  const TripletTuples ragged{labels({0, 1}), labels({1}), labels({2})};
  CHECK_THROWS_WITH_AS(triplet_tuple_loss(x, ragged),
                       doctest::Contains("tuple index 'positive' has 1 entries, expected 2"),
                       Error);
  const PairTuples undefined{};
  CHECK_THROWS_WITH_AS(contrastive_pair_loss(x, undefined),
                       doctest::Contains("contrastive_pair_loss: tuple index 'anchor_pos' is "
                                         "undefined"),
                       Error);
}

}  // namespace
}  // namespace minidl::losses
