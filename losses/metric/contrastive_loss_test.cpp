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
Variable targets(std::vector<std::int64_t> v) { return Variable(from_vector(v)); }

TEST_CASE("contrastive_loss: known values for each reduction and both forms") {
  // D = 5 (similar), 0.5 and 1 (dissimilar), margin 1:
  //   squared: 1/2 25 + 1/2 0.5^2 + 0 = 12.625      plain: 5 + 0.5 + 0 = 5.5
  const Variable x1 = leaf({0, 0, 0, 0, 0, 0}, {3, 2});
  const Variable x2 = leaf({3, 4, 0.3, 0.4, 1, 0}, {3, 2});
  const Variable t = targets({1, 0, 0});
  CHECK(contrastive_loss(x1, x2, t).item() == doctest::Approx(12.625 / 3));
  CHECK(contrastive_loss(x1, x2, t, {.reduction = Reduction::Sum}).item() ==
        doctest::Approx(12.625));
  CHECK_TENSOR_CLOSE(contrastive_loss(x1, x2, t, {.reduction = Reduction::None}).value(),
                     from_vector(std::vector<double>{12.5, 0.125, 0}));
  CHECK(contrastive_loss(x1, x2, t, {.squared = false, .reduction = Reduction::Sum}).item() ==
        doctest::Approx(5.5));
  // normalised rows: x1 rows are zero and stay zero; x2 rows become unit: D = 1 everywhere
  CHECK(contrastive_loss(x1, x2, t, {.normalize_embeddings = true, .reduction = Reduction::Sum})
            .item() == doctest::Approx(0.5));
}

TEST_CASE("contrastive_loss: gradcheck for input1 and input2, every reduction, both forms") {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None})
    for (bool squared : {true, false})
      for (bool normalize : {false, true}) {
        const Variable x1 = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4, 1.0, 0.2}, {4, 2});
        const Variable x2 = leaf({0.1, 0.5, -1.0, 0.9, 2.2, 0.0, 1.3, 0.1}, {4, 2});
        const Variable t = targets({1, 0, 0, 1});
        const GradcheckResult g = gradcheck(
            [&](const auto& v) {
              return std::vector{contrastive_loss(v[0], v[1], t,
                                                  {.margin = 3.0,
                                                   .squared = squared,
                                                   .normalize_embeddings = normalize,
                                                   .reduction = r})};
            },
            {x1, x2});
        CHECK_MESSAGE(g.ok, g.message);
      }
}

TEST_CASE("contrastive_loss: balanced mean and pair weights by hand") {
  // terms 12.5 (similar), 0.125 and 0 (dissimilar), as above
  const Variable x1 = leaf({0, 0, 0, 0, 0, 0}, {3, 2});
  const Variable x2 = leaf({3, 4, 0.3, 0.4, 1, 0}, {3, 2});
  const Variable t = targets({1, 0, 0});
  CHECK(contrastive_loss(x1, x2, t, {.balanced = true}).item() ==
        doctest::Approx(12.5 + 0.125 / 2));
  const ContrastiveLossOptions w{.positive_weight = 2, .negative_weight = 4};
  CHECK(contrastive_loss(x1, x2, t, w).item() == doctest::Approx((25.0 + 0.5) / 3));
  ContrastiveLossOptions wb = w;
  wb.balanced = true;
  CHECK(contrastive_loss(x1, x2, t, wb).item() == doctest::Approx(25.0 + 0.5 / 2));
  wb.reduction = Reduction::Sum;  // balanced changes only the mean
  CHECK(contrastive_loss(x1, x2, t, wb).item() == doctest::Approx(25.5));
  wb.reduction = Reduction::None;
  CHECK_TENSOR_CLOSE(contrastive_loss(x1, x2, t, wb).value(),
                     from_vector(std::vector<double>{25, 0.5, 0}));
  // one set empty: the balanced mean is the other set's mean (pair 0 now dissimilar, D 5 > m: 0)
  CHECK(contrastive_loss(x1, x2, targets({0, 0, 0}), {.balanced = true}).item() ==
        doctest::Approx(0.125 / 3));
  CHECK(contrastive_loss(x1, x2, targets({1, 1, 1}), {.balanced = true}).item() ==
        doctest::Approx((12.5 + 0.125 + 0.5) / 3));
  // the gradient follows the coefficients: the similar pair's is 1 (balanced) instead of 1/3
  const Variable l = contrastive_loss(x1, x2, t, {.balanced = true});
  backward(l);
  CHECK_TENSOR_CLOSE(x2.grad().value(),
                     from_vector(std::vector<double>{3, 4, -0.15, -0.2, 0, 0}, {3, 2}));
}

TEST_CASE("contrastive_loss: gradcheck with balanced and weighted reductions") {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None})
    for (bool balanced : {false, true}) {
      const Variable x1 = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4, 1.0, 0.2, 0.5, 0.5}, {5, 2});
      const Variable x2 = leaf({0.1, 0.5, -1.0, 0.9, 2.2, 0.0, 1.3, 0.1, -0.3, 0.8}, {5, 2});
      const Variable t = targets({1, 0, 0, 1, 0});
      const GradcheckResult g = gradcheck(
          [&](const auto& v) {
            return std::vector{contrastive_loss(v[0], v[1], t,
                                                {.margin = 3.0,
                                                 .reduction = r,
                                                 .balanced = balanced,
                                                 .positive_weight = 1.5,
                                                 .negative_weight = 0.25})};
          },
          {x1, x2});
      CHECK_MESSAGE(g.ok, g.message);
    }
}

TEST_CASE("contrastive_loss: matches the reference formula") {
  CHECK(testing::check_loss_fixtures("contrastive_loss") >= 6);
}

TEST_CASE("contrastive_loss: identical pairs and large values stay finite") {
  // A dissimilar identical pair: loss 1/2 m^2, gradient 0 (no push direction at D = 0).
  const Variable a = leaf({1, 2}, {1, 2}), b = leaf({1, 2}, {1, 2});
  const Variable l = contrastive_loss(a, b, targets({0}));
  CHECK(l.item() == doctest::Approx(0.5));
  backward(l);
  for (double g : a.grad().value().to_vector()) CHECK(g == 0.0);
  // A similar identical pair: 0 with gradient 0.
  const Variable c = leaf({1, 2}, {1, 2});
  const Variable s = contrastive_loss(c, b, targets({1}), {.squared = false});
  CHECK(s.item() == 0.0);
  backward(s);
  for (double g : c.grad().value().to_vector()) CHECK(g == 0.0);
  const Variable big1 = leaf({1e4, -1e4}, {1, 2}), big2 = leaf({-1e4, 1e4}, {1, 2});
  const Variable lb = contrastive_loss(big1, big2, targets({1}));
  backward(lb);
  CHECK(std::isfinite(lb.item()));
  for (double g : big1.grad().value().to_vector()) CHECK(std::isfinite(g));
  // float targets work too
  CHECK(contrastive_loss(a, b, Variable(from_vector(std::vector<double>{1.0}))).item() == 0.0);
}

TEST_CASE("contrastive_loss: errors name the loss and the values") {
  const Variable x = leaf({1, 2, 3, 4}, {2, 2}), y = leaf({1, 2}, {1, 2});
  CHECK_THROWS_WITH_AS(contrastive_loss(x, y, targets({1, 0})),
                       doctest::Contains("contrastive_loss: input1 [2,2] and input2 [1,2]"), Error);
  CHECK_THROWS_WITH_AS(contrastive_loss(x, x, targets({1, -1})),
                       doctest::Contains("contrastive_loss: target must hold 1 (similar) or 0 "
                                         "(dissimilar), got -1 at position 1"),
                       Error);
  CHECK_THROWS_WITH_AS(contrastive_loss(x, x, targets({1})),
                       doctest::Contains("contrastive_loss: target must be [2]"), Error);
  CHECK_THROWS_WITH_AS(contrastive_loss(Variable(zeros({0, 2})), Variable(zeros({0, 2})),
                                        Variable(zeros({0}, kInt64))),
                       doctest::Contains("contrastive_loss: input1 is empty"), Error);
  CHECK_THROWS_WITH_AS(contrastive_loss(x, x, targets({1, 0}), {.margin = -1}),
                       doctest::Contains("contrastive_loss: margin must be >= 0"), Error);
  CHECK_THROWS_WITH_AS(contrastive_loss(x, x, targets({1, 0}), {.negative_weight = -0.5}),
                       doctest::Contains("contrastive_loss: negative_weight must be finite and "
                                         ">= 0, got -0.5"),
                       Error);
  CHECK_THROWS_WITH_AS(contrastive_loss(x, x, targets({1, 0}), {.positive_weight = NAN}),
                       doctest::Contains("contrastive_loss: positive_weight must be finite"),
                       Error);
  CHECK_THROWS_WITH_AS(contrastive_loss(Variable(zeros({2, 2}, kInt64)), x, targets({1, 0})),
                       doctest::Contains("must be float32 or float64"), Error);
}

}  // namespace
}  // namespace minidl::losses
