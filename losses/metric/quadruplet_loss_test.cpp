#include <doctest/doctest.h>

#include <cmath>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/metric_proxy.h"
#include "tensor/error.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }

TEST_CASE("quadruplet_loss: known values for each reduction") {
  // row 0: d_ap 1, d_an1 4, d_n1n2 1: [1 - 4 + 1]_+ + [1 - 1 + 0.5]_+ = 0 + 0.5
  // row 1: d_ap 4, d_an1 1, d_n1n2 1: [4 - 1 + 1]_+ + [4 - 1 + 0.5]_+ = 4 + 3.5
  const Variable a = leaf({0, 0, 0, 0}, {2, 2}), p = leaf({1, 0, 0, 2}, {2, 2});
  const Variable n1 = leaf({2, 0, 1, 0}, {2, 2}), n2 = leaf({2, 1, 1, 1}, {2, 2});
  CHECK(quadruplet_loss(a, p, n1, n2).item() == doctest::Approx(4.0));
  CHECK(quadruplet_loss(a, p, n1, n2, {.reduction = Reduction::Sum}).item() ==
        doctest::Approx(8.0));
  CHECK_TENSOR_CLOSE(quadruplet_loss(a, p, n1, n2, {.reduction = Reduction::None}).value(),
                     from_vector(std::vector<double>{0.5, 7.5}));
  CHECK(quadruplet_loss(a, p, n1, n2, {.alpha1 = 2, .alpha2 = 0, .reduction = Reduction::Sum})
            .item() == doctest::Approx(0 + 0 + 5 + 3));
}

TEST_CASE("quadruplet_loss: gradcheck for every input and reduction") {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None})
    for (bool normalize : {false, true}) {
      const Variable a = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4}, {3, 2});
      const Variable p = leaf({0.1, 0.5, -1.0, 0.9, 2.2, 0.0}, {3, 2});
      const Variable n1 = leaf({1.3, 0.1, 0.4, -0.8, 0.6, 0.3}, {3, 2});
      const Variable n2 = leaf({-0.7, 0.2, 1.1, 1.5, -0.2, 0.9}, {3, 2});
      const GradcheckResult g = gradcheck(
          [&](const auto& v) {
            return std::vector{quadruplet_loss(
                v[0], v[1], v[2], v[3],
                {.alpha1 = 1.5, .normalize_embeddings = normalize, .reduction = r})};
          },
          {a, p, n1, n2});
      CHECK_MESSAGE(g.ok, g.message);
    }
}

TEST_CASE("quadruplet_loss: matches the reference formula") {
  CHECK(testing::check_loss_fixtures("quadruplet_loss") >= 4);
}

TEST_CASE("quadruplet_loss: satisfied quadruplets give exactly 0 with zero gradients") {
  const Variable a = leaf({0, 0}, {1, 2}), p = leaf({0, 0}, {1, 2});
  const Variable n1 = leaf({3, 0}, {1, 2}), n2 = leaf({0, 3}, {1, 2});
  const Variable l = quadruplet_loss(a, p, n1, n2);
  CHECK(l.item() == 0.0);
  backward(l);
  for (const Variable& x : {a, p, n1, n2})
    for (double g : x.grad().value().to_vector()) CHECK(g == 0.0);
  // large values stay finite
  const Variable b = leaf({1e4, -1e4}, {1, 2});
  const Variable lb = quadruplet_loss(b, p, n1, n2);
  backward(lb);
  CHECK(std::isfinite(lb.item()));
  for (double g : b.grad().value().to_vector()) CHECK(std::isfinite(g));
}

TEST_CASE("quadruplet_loss: errors name the loss and the values") {
  const Variable x = leaf({1, 2, 3, 4}, {2, 2}), y = leaf({1, 2}, {1, 2});
  CHECK_THROWS_WITH_AS(quadruplet_loss(x, x, x, y),
                       doctest::Contains("quadruplet_loss: anchor [2,2] and negative2 [1,2]"),
                       Error);
  CHECK_THROWS_WITH_AS(quadruplet_loss(x, x, x, x, {.alpha2 = -1}),
                       doctest::Contains("quadruplet_loss: margins must be >= 0"), Error);
  const Variable e(zeros({0, 2}, kFloat64));
  CHECK_THROWS_WITH_AS(quadruplet_loss(e, e, e, e),
                       doctest::Contains("quadruplet_loss: anchor is empty"), Error);
  const Variable v = leaf({1, 2}, {2});
  CHECK_THROWS_WITH_AS(quadruplet_loss(v, v, v, v),
                       doctest::Contains("quadruplet_loss: anchor must be [N, D], got [2]"), Error);
  CHECK_THROWS_WITH_AS(quadruplet_loss(Variable(zeros({2, 2}, kInt64)), x, x, x),
                       doctest::Contains("must be float32 or float64"), Error);
}

}  // namespace
}  // namespace minidl::losses
