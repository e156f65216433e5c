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
Variable labels_of(std::vector<std::int64_t> v) { return Variable(from_vector(v)); }

TEST_CASE("lmnn_loss: known values for each reduction") {
  // x = 0, 1, 1.5 (1-D), classes 0, 0, 1: d01 = 1, d02 = 2.25, d12 = 0.25.
  // anchor 0: target 1, pull 1, impostor 2: [1 + 1 - 2.25]_+ = 0         -> 0.5 * 1
  // anchor 1: target 0, pull 1, impostor 2: [1 + 1 - 0.25]_+ = 1.75      -> 0.5 + 0.5 * 1.75
  // anchor 2: no same-class sample                                       -> 0
  const Variable x = leaf({0, 1, 1.5}, {3, 1});
  const Variable y = labels_of({0, 0, 1});
  CHECK(lmnn_loss(x, y).item() == doctest::Approx(1.875 / 3));
  CHECK(lmnn_loss(x, y, {.reduction = Reduction::Sum}).item() == doctest::Approx(1.875));
  CHECK_TENSOR_CLOSE(lmnn_loss(x, y, {.reduction = Reduction::None}).value(),
                     from_vector(std::vector<double>{0.5, 1.375, 0.0}));
  CHECK(lmnn_loss(x, y, {.mu = 1, .reduction = Reduction::Sum}).item() == doctest::Approx(1.75));
  // k: x = 0, 1, 3 (class 0) and 10 (class 1). k = 1: targets 0->1, 1->0, 3->1: pulls 1 + 1 + 4;
  // k = 2 adds 0->3 (9), 1->3 (4), 3->0 (9). No impostor is within the margin.
  const Variable z = leaf({0, 1, 3, 10}, {4, 1});
  const Variable yz = labels_of({0, 0, 0, 1});
  CHECK(lmnn_loss(z, yz, {.k = 1, .mu = 0, .reduction = Reduction::Sum}).item() ==
        doctest::Approx(6.0));
  CHECK(lmnn_loss(z, yz, {.k = 2, .mu = 0, .reduction = Reduction::Sum}).item() ==
        doctest::Approx(28.0));
  CHECK(lmnn_loss(z, yz, {.k = 5, .mu = 0, .reduction = Reduction::Sum}).item() ==
        doctest::Approx(28.0));  // capped at the class size
}

TEST_CASE("lmnn_loss: gradcheck for embeddings, every reduction") {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None})
    for (std::int64_t k : {1, 3}) {
      const Variable x = leaf(
          {0.3, -1.2, 2.0, 0.7, 0.1, -0.4, 1.0, 0.2, -0.5, 0.9, 0.6, 0.45, -0.8, 0.35}, {7, 2});
      const Variable y = labels_of({0, 1, 0, 1, 0, 2, 1});
      const GradcheckResult g = gradcheck(
          [&](const auto& v) {
            return std::vector{lmnn_loss(v[0], y, {.k = k, .mu = 0.3, .reduction = r})};
          },
          {x});
      CHECK_MESSAGE(g.ok, g.message);
    }
}

TEST_CASE("lmnn_loss: matches the reference formula") {
  CHECK(testing::check_loss_fixtures("lmnn_loss") >= 4);
}

TEST_CASE("lmnn_loss: no target neighbours gives exactly 0 with zero gradients") {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4}, {3, 2});
    Variable l = lmnn_loss(x, labels_of({0, 1, 2}), {.reduction = r});
    for (double v : l.value().to_vector()) CHECK(v == 0.0);
    if (r == Reduction::None) l = sum(l);
    backward(l);
    for (double g : x.grad().value().to_vector()) CHECK(g == 0.0);
  }
  // large values stay finite
  const Variable b = leaf({1e4, -1e4, 0, 1, 3, 2}, {3, 2});
  const Variable lb = lmnn_loss(b, labels_of({0, 0, 1}));
  backward(lb);
  CHECK(std::isfinite(lb.item()));
  for (double g : b.grad().value().to_vector()) CHECK(std::isfinite(g));
}

TEST_CASE("lmnn_loss: errors name the loss and the values") {
  const Variable x = leaf({1, 2, 3, 4}, {2, 2});
  CHECK_THROWS_WITH_AS(lmnn_loss(x, labels_of({0})),
                       doctest::Contains("lmnn_loss: labels must be [2], got [1]"), Error);
  CHECK_THROWS_WITH_AS(lmnn_loss(x, labels_of({0, 1}), {.k = 0}),
                       doctest::Contains("lmnn_loss: k must be >= 1, got 0"), Error);
  CHECK_THROWS_WITH_AS(lmnn_loss(x, labels_of({0, 1}), {.mu = 1.5}),
                       doctest::Contains("lmnn_loss: mu must be in [0, 1], got 1.5"), Error);
  CHECK_THROWS_WITH_AS(lmnn_loss(Variable(zeros({0, 2}, kFloat64)), Variable(zeros({0}, kInt64))),
                       doctest::Contains("lmnn_loss: embeddings is empty"), Error);
  CHECK_THROWS_WITH_AS(lmnn_loss(x, Variable(zeros({2}, kFloat64))),
                       doctest::Contains("lmnn_loss: labels must be int64"), Error);
}

}  // namespace
}  // namespace minidl::losses
