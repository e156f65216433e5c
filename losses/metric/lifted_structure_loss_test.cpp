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

TEST_CASE("lifted_structure_loss: known values by hand") {
  // 1-D points 0, 1, 1.5 with labels 0, 0, 1, alpha 1: one positive pair (0, 1), D01 = 1, and the
  // negative 2 at D02 = 1.5, D12 = 0.5: J = log(e^{-0.5} + e^{0.5}) + 1; L = J^2 / 2.
  const Variable x = leaf({0, 1, 1.5}, {3, 1});
  const Variable y = labels({0, 0, 1});
  const double j = std::log(std::exp(-0.5) + std::exp(0.5)) + 1.0;
  CHECK(lifted_structure_loss(x, y).item() == doctest::Approx(j * j / 2));
  CHECK(lifted_structure_loss(x, y, {.reduction = Reduction::Sum}).item() ==
        doctest::Approx(j * j));
  // Far negatives: 0, 1, 10 gives J = log(e^{-9} + e^{-8}) + 1 < 0, a zero term (and gradient).
  const Variable far = leaf({0, 1, 10}, {3, 1});
  const Variable l = lifted_structure_loss(far, y, {.reduction = Reduction::None});
  CHECK_TENSOR_CLOSE(l.value(), from_vector(std::vector<double>{0.0}));
  backward(sum(l));
  for (double g : far.grad().value().to_vector()) CHECK(g == 0.0);
  // Three samples of class 0 make three positive pairs (0, 1), (0, 2), (1, 2): three terms.
  CHECK(lifted_structure_loss(leaf({0, 1, 2, 5}, {4, 1}), labels({0, 0, 0, 1}),
                              {.reduction = Reduction::None})
            .value()
            .numel() == 3);
}

TEST_CASE("lifted_structure_loss: gradcheck, every reduction") {
  Generator gen(10);
  const Variable x(randn({8, 3}, gen, kFloat64), true);
  const Variable y = labels({0, 1, 0, 2, 1, 0, 2, 1});
  for (double margin : {1.0, 0.2})
    for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None})
      CHECK(gradcheck(
          [&](const auto& v) {
            return std::vector{lifted_structure_loss(v[0], y, {.margin = margin, .reduction = r})};
          },
          {x}));
}

TEST_CASE("lifted_structure_loss: matches the reference formula") {
  CHECK(testing::check_loss_fixtures("lifted_structure_loss") >= 8);
}

TEST_CASE("lifted_structure_loss: no positive or no negative pair gives exactly 0") {
  for (auto y : {labels({0, 1, 2, 3}), labels({7, 7, 7, 7}), labels({4})}) {
    const std::int64_t n = y.size(0);
    const Variable x = leaf(std::vector<double>(static_cast<std::size_t>(2 * n), INFINITY), {n, 2});
    for (Reduction r : {Reduction::Mean, Reduction::Sum}) {
      const Variable l = lifted_structure_loss(x, y, {.reduction = r});
      CHECK(l.item() == 0.0);
      backward(l);
      for (double g : x.grad().value().to_vector()) CHECK(g == 0.0);
    }
  }
  // Identical points (D = 0) give a finite gradient.
  const Variable same = leaf({1, 1, 1, 1, 1, 1}, {3, 2});
  backward(lifted_structure_loss(same, labels({0, 0, 1})));
  for (double g : same.grad().value().to_vector()) CHECK(std::isfinite(g));
}

TEST_CASE("lifted_structure_loss: errors name the loss") {
  const Variable x = leaf({0, 1, 2, 3}, {2, 2});
  CHECK_THROWS_WITH_AS(lifted_structure_loss(x, labels({0, 1, 1})),
                       doctest::Contains("lifted_structure_loss: labels must be [2], got [3]"),
                       Error);
  CHECK_THROWS_WITH_AS(lifted_structure_loss(x, Variable(zeros({2}))),
                       doctest::Contains("lifted_structure_loss: labels must be int64"), Error);
  CHECK_THROWS_WITH_AS(
      lifted_structure_loss(Variable(zeros({0, 2}, kFloat64)), Variable(zeros({0}, kInt64))),
      doctest::Contains("lifted_structure_loss: embeddings is empty"), Error);
  CHECK_THROWS_WITH_AS(
      lifted_structure_loss(leaf({1, 2}, {2}), labels({0, 1})),
      doctest::Contains("lifted_structure_loss: embeddings must be [N, D], got [2]"), Error);
}

}  // namespace
}  // namespace minidl::losses
