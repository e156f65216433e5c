#include <doctest/doctest.h>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/ranking.h"
#include "tensor/error.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }
Variable labels(std::vector<double> v) {
  const Shape s{static_cast<std::int64_t>(v.size())};
  return Variable(from_vector(v, s));
}

TEST_CASE("margin_ranking_loss: known values for each reduction") {
  const Variable x1 = leaf({2.0, 1.0, 0.0}, {3}), x2 = leaf({1.0, 3.0, 0.5}, {3});
  const Variable y = labels({1, 1, -1});
  // max(0, -y (x1 - x2) + 0.5): [max(0, -1 + 0.5), 2 + 0.5, max(0, -0.5 + 0.5)] = [0, 2.5, 0]
  const MarginRankingLossOptions none{.margin = 0.5, .reduction = Reduction::None};
  CHECK_TENSOR_CLOSE(margin_ranking_loss(x1, x2, y, none).value(),
                     from_vector(std::vector<double>{0, 2.5, 0}, {3}));
  CHECK(margin_ranking_loss(x1, x2, y, {.margin = 0.5}).item() == doctest::Approx(2.5 / 3));
  CHECK(margin_ranking_loss(x1, x2, y, {.margin = 0.5, .reduction = Reduction::Sum}).item() ==
        doctest::Approx(2.5));
}

TEST_CASE("margin_ranking_loss: gradcheck for input1 and input2, every reduction") {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    const Variable x1 = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4}, {2, 3});
    const Variable x2 = leaf({0.1, 0.5, -1.0, 0.9, 2.2, 0.0}, {2, 3});
    const Variable y(from_vector(std::vector<double>{1, -1, 1, 1, -1, -1}, {2, 3}));
    CHECK(gradcheck(
        [&y, r](const auto& v) {
          return std::vector{margin_ranking_loss(v[0], v[1], y, {.margin = 0.3, .reduction = r})};
        },
        {x1, x2}));
  }
}

TEST_CASE("margin_ranking_loss: matches PyTorch") {
  CHECK(testing::check_loss_fixtures("margin_ranking_loss") >= 8);
}

TEST_CASE("margin_ranking_loss: the kink takes the active branch's gradient; target's too") {
  const Variable x1 = leaf({1.0, 3.0}, {2}), x2 = leaf({1.0, 1.0}, {2});
  const Variable y = leaf({1.0, -1.0}, {2});
  backward(margin_ranking_loss(x1, x2, y, {.reduction = Reduction::Sum}));
  CHECK(x1.grad().value().at(0) == -1.0);  // -y (x1 - x2) + 0 = 0 exactly: passes, as clamp_min
  CHECK(x2.grad().value().at(0) == 1.0);
  CHECK(x1.grad().value().at(1) == 1.0);
  CHECK(y.grad().value().at(1) == -2.0);  // -(x1 - x2)
}

TEST_CASE("margin_ranking_loss: errors name the op, the shapes and the labels") {
  const Variable a = leaf({1, 2}, {2}), b = leaf({1, 2}, {2});
  CHECK_THROWS_WITH_AS(margin_ranking_loss(a, b, labels({1, 0})),
                       doctest::Contains("margin_ranking_loss: target must hold -1 or +1, got 0"),
                       Error);
  CHECK_THROWS_WITH_AS(margin_ranking_loss(a, leaf({1, 2, 3}, {3}), labels({1, 1})),
                       doctest::Contains("margin_ranking_loss: input1 [2] and input2 [3]"), Error);
  CHECK_THROWS_WITH_AS(margin_ranking_loss(a, b, labels({1, 1, 1})),
                       doctest::Contains("margin_ranking_loss: input1 [2] and target [3]"), Error);
  CHECK_THROWS_WITH_AS(
      margin_ranking_loss(Variable(zeros({0})), Variable(zeros({0})), Variable(zeros({0}))),
      doctest::Contains("margin_ranking_loss: input1 is empty"), Error);
}

}  // namespace
}  // namespace minidl::losses
