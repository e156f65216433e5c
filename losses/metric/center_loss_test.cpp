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

TEST_CASE("center_loss: known values for each reduction") {
  // x - c: (3, 4) -> 1/2 25 = 12.5; (1, 0) - (0, 0) -> 0.5; (0, 2) - (0, 0) -> 2
  const Variable x = leaf({3, 4, 1, 0, 0, 2}, {3, 2});
  const Variable c = leaf({0, 0, 0, 0}, {2, 2});
  const Variable y = labels_of({1, 0, 0});
  CHECK(center_loss(x, y, c).item() == doctest::Approx(15.0 / 3));
  CHECK(center_loss(x, y, c, {.reduction = Reduction::Sum}).item() == doctest::Approx(15.0));
  CHECK_TENSOR_CLOSE(center_loss(x, y, c, {.reduction = Reduction::None}).value(),
                     from_vector(std::vector<double>{12.5, 0.5, 2.0}));
  // samples at their centers: exactly 0, zero gradients for input and centers
  const Variable at = leaf({1, 2, 3, 4}, {2, 2}), cc = leaf({3, 4, 1, 2}, {2, 2});
  const Variable l = center_loss(at, labels_of({1, 0}), cc);
  CHECK(l.item() == 0.0);
  backward(l);
  for (double g : at.grad().value().to_vector()) CHECK(g == 0.0);
  for (double g : cc.grad().value().to_vector()) CHECK(g == 0.0);
}

TEST_CASE("center_loss: gradcheck for input and centers, every reduction") {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4, 1.0, 0.2, -0.5, 0.9}, {5, 2});
    const Variable c = leaf({0.1, 0.5, -1.0, 0.9, 2.2, 0.0}, {3, 2});
    const Variable y = labels_of({2, 0, 2, 1, 0});  // class 2 twice, a class with no center use
    const GradcheckResult g = gradcheck(
        [&](const auto& v) { return std::vector{center_loss(v[0], y, v[1], {.reduction = r})}; },
        {x, c});
    CHECK_MESSAGE(g.ok, g.message);
  }
}

TEST_CASE("center_loss: matches the reference formula") {
  CHECK(testing::check_loss_fixtures("center_loss") >= 3);
}

TEST_CASE("center_loss: the paper's center update, by hand") {
  // class 0: samples (1, 1) and (3, 1), center (0, 0): delta = ((0-1) + (0-3), (0-1) + (0-1)) / 3
  //   = (-4/3, -2/3); alpha 0.5: c0 <- (2/3, 1/3). class 1: no sample, stays (5, 5).
  // class 2: one sample (2, 2), center (4, 0): delta = (2, -2) / 2 = (1, -1); c2 <- (3.5, 0.5).
  const Variable c = Variable(from_vector(std::vector<double>{0, 0, 5, 5, 4, 0}, {3, 2}));
  const Variable x = leaf({1, 1, 3, 1, 2, 2}, {3, 2});
  const Tensor before = c.value();
  center_loss_update(c, x, labels_of({0, 0, 2}), 0.5);
  CHECK(c.value().shares_storage(before));  // in place
  CHECK_TENSOR_CLOSE(c.value(),
                     from_vector(std::vector<double>{2.0 / 3, 1.0 / 3, 5, 5, 3.5, 0.5}, {3, 2}));
  // alpha 0 leaves the centers unchanged
  center_loss_update(c, x, labels_of({0, 0, 2}), 0.0);
  CHECK(c.value().at(0) == doctest::Approx(2.0 / 3));
  // repeated updates on a fixed batch converge to the class means (the fixed point of eq. 4)
  const Variable c2 = Variable(zeros({3, 2}, kFloat64));
  for (int i = 0; i < 200; ++i) center_loss_update(c2, x, labels_of({0, 0, 2}), 1.0);
  CHECK(c2.value().at(0) == doctest::Approx(2.0));
  CHECK(c2.value().at(1) == doctest::Approx(1.0));
  CHECK(c2.value().at(4) == doctest::Approx(2.0));
}

TEST_CASE("center_loss: large values stay finite") {
  const Variable x = leaf({1e4, -1e4}, {1, 2}), c = leaf({-1e4, 1e4}, {1, 2});
  const Variable l = center_loss(x, labels_of({0}), c);
  backward(l);
  CHECK(std::isfinite(l.item()));
  for (double g : x.grad().value().to_vector()) CHECK(std::isfinite(g));
}

TEST_CASE("center_loss: errors name the loss and the values") {
  const Variable x = leaf({1, 2, 3, 4}, {2, 2}), c = leaf({0, 0, 1, 1}, {2, 2});
  CHECK_THROWS_WITH_AS(center_loss(x, labels_of({0, 2}), c),
                       doctest::Contains("center_loss: label 2 at position 1 is out of range"),
                       Error);
  CHECK_THROWS_WITH_AS(center_loss(x, labels_of({0}), c),
                       doctest::Contains("center_loss: labels must be [2], got [1]"), Error);
  CHECK_THROWS_WITH_AS(center_loss(x, labels_of({0, 1}), leaf({0, 0, 0}, {1, 3})),
                       doctest::Contains("center_loss: centers must be [C, 2], got [1,3]"), Error);
  CHECK_THROWS_WITH_AS(
      center_loss(Variable(zeros({0, 2}, kFloat64)), Variable(zeros({0}, kInt64)), c),
      doctest::Contains("center_loss: input is empty"), Error);
  CHECK_THROWS_WITH_AS(center_loss(x, Variable(zeros({2}, kFloat64)), c),
                       doctest::Contains("center_loss: labels must be int64"), Error);
  CHECK_THROWS_WITH_AS(center_loss_update(c, x, labels_of({0, 1}), 1.5),
                       doctest::Contains("center_loss_update: alpha must be in [0, 1], got 1.5"),
                       Error);
}

}  // namespace
}  // namespace minidl::losses
