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

TEST_CASE("supcon_loss: known values by hand") {
  // z = (2 e1, e1, e2), labels (0, 0, 1), tau 1. Cosines: s01 = 1, s02 = s12 = 0.
  //   anchor 0: P = {1}, A = {1, 2}: l = log(e + 1) - 1; anchor 1 the same; anchor 2 no positive.
  const Variable z = leaf({2, 0, 1, 0, 0, 1}, {3, 2});
  const Variable y = labels({0, 0, 1});
  const double l = std::log(std::exp(1.0) + 1.0) - 1.0;
  CHECK(supcon_loss(z, y, {.temperature = 1.0}).item() == doctest::Approx(l));
  CHECK_TENSOR_CLOSE(supcon_loss(z, y, {.temperature = 1.0, .reduction = Reduction::None}).value(),
                     from_vector(std::vector<double>{l, l}));
  // Dot product: s01 = 2, so each anchor is log(e^2 + 1) - 2.
  CHECK(supcon_loss(z, y, {.temperature = 1.0, .normalize_embeddings = false}).item() ==
        doctest::Approx(std::log(std::exp(2.0) + 1.0) - 2.0));
  // Two positives: z = (e1, e1, e2, e1) labels (0, 0, 0, 1), anchor 0: P = {1, 2} with s = 1, 0;
  // A = {1, 2, 3} with s = 1, 0, 1: l = lse(1, 0, 1) - (1 + 0) / 2.
  const Variable w = leaf({1, 0, 1, 0, 0, 1, 1, 0}, {4, 2});
  const Variable none =
      supcon_loss(w, labels({0, 0, 0, 1}), {.temperature = 1.0, .reduction = Reduction::None});
  CHECK(none.value().at(0) == doctest::Approx(std::log(2 * std::exp(1.0) + 1.0) - 0.5));
  CHECK(none.value().numel() == 3);
}

TEST_CASE("supcon_loss: gradcheck, every reduction") {
  Generator gen(8);
  const Variable x(randn({7, 3}, gen, kFloat64), true);
  const Variable y = labels({0, 1, 0, 2, 1, 0, 3});
  for (bool normalize : {true, false})
    for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None})
      CHECK(gradcheck(
          [&](const auto& v) {
            return std::vector{supcon_loss(
                v[0], y, {.temperature = 0.5, .normalize_embeddings = normalize, .reduction = r})};
          },
          {x}));
}

TEST_CASE("supcon_loss: matches the reference formula") {
  CHECK(testing::check_loss_fixtures("supcon_loss") >= 8);
}

TEST_CASE("supcon_loss: an all-singleton batch gives exactly 0 and zero gradients") {
  for (auto y : {labels({0, 1, 2, 3}), labels({5})}) {
    const std::int64_t n = y.size(0);
    const Variable x = leaf(std::vector<double>(static_cast<std::size_t>(2 * n), INFINITY), {n, 2});
    for (Reduction r : {Reduction::Mean, Reduction::Sum}) {
      const Variable l = supcon_loss(x, y, {.reduction = r});
      CHECK(l.item() == 0.0);
      backward(l);
      for (double g : x.grad().value().to_vector()) CHECK(g == 0.0);
    }
    CHECK(supcon_loss(x, y, {.reduction = Reduction::None}).value().numel() == 0);
  }
  // Large logits (dot product, tiny tau) stay finite.
  const Variable big = leaf({1e3, 0, 1e3, 1, 0, 1e3}, {3, 2});
  const Variable h =
      supcon_loss(big, labels({0, 0, 1}), {.temperature = 1e-3, .normalize_embeddings = false});
  CHECK(std::isfinite(h.item()));
  backward(h);
  for (double g : big.grad().value().to_vector()) CHECK(std::isfinite(g));
}

TEST_CASE("supcon_loss: errors name the loss") {
  const Variable x = leaf({0, 1, 2, 3}, {2, 2});
  CHECK_THROWS_WITH_AS(supcon_loss(x, labels({0, 1, 1})),
                       doctest::Contains("supcon_loss: labels must be [2], got [3]"), Error);
  CHECK_THROWS_WITH_AS(supcon_loss(x, Variable(zeros({2}))),
                       doctest::Contains("supcon_loss: labels must be int64"), Error);
  CHECK_THROWS_WITH_AS(supcon_loss(Variable(zeros({0, 2}, kFloat64)), Variable(zeros({0}, kInt64))),
                       doctest::Contains("supcon_loss: embeddings is empty"), Error);
  CHECK_THROWS_WITH_AS(supcon_loss(x, labels({0, 0}), {.temperature = 0}),
                       doctest::Contains("supcon_loss: temperature must be > 0, got 0"), Error);
  CHECK_THROWS_WITH_AS(supcon_loss(leaf({1, 2}, {2}), labels({0, 1})),
                       doctest::Contains("supcon_loss: embeddings must be [N, D], got [2]"), Error);
}

}  // namespace
}  // namespace minidl::losses
