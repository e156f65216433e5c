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

TEST_CASE("triplet_margin_with_distance_loss: known values with a custom and the cosine distance") {
  const Variable a = leaf({0, 0, 1, 0}, {2, 2});
  const Variable p = leaf({3, 4, 0, 1}, {2, 2});
  const Variable n = leaf({0, 1, 1, 1}, {2, 2});
  // squared Euclidean: row 0: 25 - 1 + 1 = 25; row 1: 2 - 1 + 1 = 2
  const DistanceFunction sq = [](const Variable& u, const Variable& v) {
    return squared_euclidean(u, v);
  };
  CHECK_TENSOR_CLOSE(triplet_margin_with_distance_loss(
                         a, p, n, {.distance_function = sq, .reduction = Reduction::None})
                         .value(),
                     from_vector(std::vector<double>{25, 2}));
  // cosine distance, row 1: 1 - 0 = 1 for (a, p), 1 - 0.7071 for (a, n): [1 - 0.2929 + 0.5]_+
  const Variable l = triplet_margin_with_distance_loss(
      a, p, n, {.distance_function = cosine_distance, .margin = 0.5, .reduction = Reduction::None});
  CHECK(l.value().at(1) == doctest::Approx(1.5 - (1 - std::sqrt(0.5))));
  // the default distance makes it triplet_margin_loss
  CHECK(triplet_margin_with_distance_loss(a, p, n).item() ==
        doctest::Approx(triplet_margin_loss(a, p, n).item()).epsilon(1e-14));
}

TEST_CASE("triplet_margin_with_distance_loss: gradcheck for every input and reduction") {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None})
    for (bool swap : {false, true})
      for (bool cosine : {false, true}) {
        const Variable a = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4}, {2, 3});
        const Variable pos = leaf({0.1, 0.5, -1.0, 0.7, 2.2, 0.0}, {2, 3});
        const Variable neg = leaf({1.1, -0.5, 0.4, 0.2, 0.3, -0.9}, {2, 3});
        const DistanceFunction d = cosine ? DistanceFunction(cosine_distance) : DistanceFunction();
        CHECK(gradcheck(
            [&](const auto& v) {
              return std::vector{triplet_margin_with_distance_loss(
                  v[0], v[1], v[2],
                  {.distance_function = d, .margin = 2.0, .swap = swap, .reduction = r})};
            },
            {a, pos, neg}));
      }
}

TEST_CASE("triplet_margin_with_distance_loss: matches PyTorch") {
  CHECK(testing::check_loss_fixtures("triplet_margin_with_distance_loss") >= 8);
}

TEST_CASE("triplet_margin_with_distance_loss: zero vectors and large values stay finite") {
  // cosine with a zero anchor: PyTorch's clamped norm gives a finite (large) gradient
  const Variable a = leaf({0, 0}, {1, 2}), p = leaf({1, 0}, {1, 2}), n = leaf({0, 1}, {1, 2});
  const Variable l =
      triplet_margin_with_distance_loss(a, p, n, {.distance_function = cosine_distance});
  CHECK(l.item() == doctest::Approx(1.0));
  backward(l);
  for (double g : a.grad().value().to_vector()) CHECK(std::isfinite(g));
  const Variable big = leaf({1e4, -1e4}, {1, 2}), small = leaf({-1e4, 1e4}, {1, 2});
  const Variable lb = triplet_margin_with_distance_loss(big, small, small, {.swap = true});
  backward(lb);
  CHECK(std::isfinite(lb.item()));
  for (double g : big.grad().value().to_vector()) CHECK(std::isfinite(g));
}

TEST_CASE("triplet_margin_with_distance_loss: errors name the loss") {
  const Variable x = leaf({1, 2, 3, 4}, {2, 2}), y = leaf({1, 2}, {1, 2});
  CHECK_THROWS_WITH_AS(triplet_margin_with_distance_loss(x, x, y),
                       doctest::Contains("triplet_margin_with_distance_loss: anchor [2,2] and "
                                         "negative [1,2]"),
                       Error);
  CHECK_THROWS_WITH_AS(triplet_margin_with_distance_loss(x, x, x, {.margin = -0.5}),
                       doctest::Contains("margin must be >= 0, got -0.5"), Error);
  CHECK_THROWS_WITH_AS(
      triplet_margin_with_distance_loss(Variable(zeros({0, 2})), Variable(zeros({0, 2})),
                                        Variable(zeros({0, 2}))),
      doctest::Contains("anchor is empty"), Error);
}

}  // namespace
}  // namespace minidl::losses
