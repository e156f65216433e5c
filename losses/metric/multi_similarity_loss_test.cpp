#include <doctest/doctest.h>

#include <cmath>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/metric_softmax.h"
#include "tensor/error.h"
#include "tensor/random.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }
Variable labels(std::vector<std::int64_t> v) { return Variable(from_vector(v)); }

TEST_CASE("multi_similarity_loss: known values by hand") {
  // x = (e1, e1, e2), labels (0, 0, 1): S01 = 1, S02 = S12 = 0. Without mining, alpha 2, beta 50,
  // base 0.5:
  //   anchors 0, 1: 1/2 log(1 + e^{-2 (1 - 0.5)}) + 1/50 log(1 + e^{50 (0 - 0.5)})
  //   anchor 2:     no positive; 1/50 log(1 + 2 e^{-25})
  const Variable x = leaf({3, 0, 1, 0, 0, 2}, {3, 2});
  const Variable y = labels({0, 0, 1});
  const double l01 = 0.5 * std::log1p(std::exp(-1.0)) + std::log1p(std::exp(-25.0)) / 50;
  const double l2 = std::log1p(2 * std::exp(-25.0)) / 50;
  CHECK_TENSOR_CLOSE(
      multi_similarity_loss(x, y, {.mine_pairs = false, .reduction = Reduction::None}).value(),
      from_vector(std::vector<double>{l01, l01, l2}));
  CHECK(multi_similarity_loss(x, y, {.mine_pairs = false}).item() ==
        doctest::Approx((2 * l01 + l2) / 3));
  // Mining: anchor 0's positive (S = 1) is not below max negative 0 + 0.1: dropped; its negative
  // (S = 0) is not above min positive 1 - 0.1: dropped. Nothing is kept anywhere: exactly 0.
  const Variable mined = multi_similarity_loss(x, y);
  CHECK(mined.item() == 0.0);
  backward(mined);
  for (double g : x.grad().value().to_vector()) CHECK(g == 0.0);
  // x2 = (1, 1): S02 = S12 = 0.707. With epsilon 0.5 the negative is kept (0.707 > 1 - 0.5) and
  // so is the positive (1 < 0.707 + 0.5); anchor 2 has no positive, so mining keeps none of its
  // pairs (min over no positives is +inf).
  const Variable h = leaf({1, 0, 1, 0, 1, 1}, {3, 2});
  const double s = 1 / std::sqrt(2.0);
  const double t01 = 0.5 * std::log1p(std::exp(-1.0)) + std::log1p(std::exp(50 * (s - 0.5))) / 50;
  CHECK(multi_similarity_loss(h, y, {.epsilon = 0.5, .reduction = Reduction::Sum}).item() ==
        doctest::Approx(2 * t01));
}

TEST_CASE("multi_similarity_loss: gradcheck with and without mining, every reduction") {
  Generator gen(9);
  const Variable x(randn({8, 3}, gen, kFloat64), true);
  const Variable y = labels({0, 1, 0, 2, 1, 0, 2, 1});
  for (bool mine : {true, false})
    for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None})
      CHECK(gradcheck(
          [&](const auto& v) {
            return std::vector{
                multi_similarity_loss(v[0], y, {.beta = 10.0, .mine_pairs = mine, .reduction = r})};
          },
          {x}));
}

TEST_CASE("multi_similarity_loss: matches the reference formula") {
  CHECK(testing::check_loss_fixtures("multi_similarity_loss") >= 8);
}

TEST_CASE("multi_similarity_loss: no pair gives exactly 0 and zero gradients") {
  for (auto y : {labels({0, 1, 2, 3}), labels({7})}) {
    const std::int64_t n = y.size(0);
    const Variable x = leaf(std::vector<double>(static_cast<std::size_t>(2 * n), INFINITY), {n, 2});
    for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
      const Variable l = multi_similarity_loss(x, y, {.reduction = r});
      for (double v : l.value().to_vector()) CHECK(v == 0.0);
      backward(sum(l));
      for (double g : x.grad().value().to_vector()) CHECK(g == 0.0);
    }
  }
}

TEST_CASE("multi_similarity_loss: errors name the loss") {
  const Variable x = leaf({0, 1, 2, 3}, {2, 2});
  CHECK_THROWS_WITH_AS(multi_similarity_loss(x, labels({0, 1, 1})),
                       doctest::Contains("multi_similarity_loss: labels must be [2], got [3]"),
                       Error);
  CHECK_THROWS_WITH_AS(multi_similarity_loss(x, Variable(zeros({2}))),
                       doctest::Contains("multi_similarity_loss: labels must be int64"), Error);
  CHECK_THROWS_WITH_AS(
      multi_similarity_loss(Variable(zeros({0, 2}, kFloat64)), Variable(zeros({0}, kInt64))),
      doctest::Contains("multi_similarity_loss: embeddings is empty"), Error);
  CHECK_THROWS_WITH_AS(multi_similarity_loss(x, labels({0, 0}), {.alpha = 0}),
                       doctest::Contains("multi_similarity_loss: alpha and beta must be > 0"),
                       Error);
  CHECK_THROWS_WITH_AS(multi_similarity_loss(x, labels({0, 0}), {.epsilon = -1}),
                       doctest::Contains("multi_similarity_loss: epsilon must be >= 0"), Error);
}

}  // namespace
}  // namespace minidl::losses
