#include <doctest/doctest.h>

#include <cmath>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/detection.h"
#include "tensor/error.h"
#include "tests/loss_fixtures.h"

namespace minidl::losses {
namespace {

Variable boxes(std::vector<double> v) {
  const auto n = static_cast<std::int64_t>(v.size() / 4);
  return Variable(from_vector(v, {n, 4}), true);
}

TEST_CASE("distance_box_iou_loss: known values") {
  // [0,0,1,1] vs [2,0,3,1]: I = 0; centres 2 apart; C = [0,0,3,1], c^2 = 10: 1 + 4/10.
  const Variable a = boxes({0, 0, 1, 1}), b = boxes({2, 0, 3, 1});
  CHECK(distance_box_iou_loss(a, b, {.eps = 0}).item() == doctest::Approx(1.4));
  // Same centre, nested: the IoU loss alone, 1 - 1/4.
  CHECK(
      distance_box_iou_loss(boxes({0.5, 0.5, 1.5, 1.5}), boxes({0, 0, 2, 2}), {.eps = 0}).item() ==
      doctest::Approx(0.75));
}

TEST_CASE("distance_box_iou_loss: gradcheck for both inputs, every reduction") {
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    const Variable a = boxes({0.1, 0.2, 2.3, 2.1, 1.0, 1.5, 4.2, 3.3, 0.0, 0.0, 1.0, 1.2});
    const Variable b = boxes({0.6, -0.3, 3.1, 1.7, 1.4, 0.9, 3.6, 4.1, 3.0, 2.5, 4.1, 3.3});
    CHECK(gradcheck(
        [r](const auto& v) {
          return std::vector{distance_box_iou_loss(v[0], v[1], {.reduction = r})};
        },
        {a, b}));
  }
}

TEST_CASE("distance_box_iou_loss: matches torchvision") {
  CHECK(testing::check_loss_fixtures("distance_box_iou_loss") >= 8);
}

TEST_CASE("distance_box_iou_loss: disjoint and zero-area boxes give finite, useful gradients") {
  const Variable a = boxes({0, 0, 1, 1, 2, 2, 2, 2}), b = boxes({3, 0, 4, 1, 2, 2, 2, 2});
  const Variable loss = distance_box_iou_loss(a, b);
  backward(sum(loss));
  const std::vector<double> g = a.grad().value().to_vector();
  CHECK(g[0] + g[2] < 0);  // moving the whole box right, towards b, lowers the loss
  CHECK(g[1] + g[3] == doctest::Approx(0.0));  // centres level: no vertical pull
  for (double v : loss.value().to_vector()) CHECK(std::isfinite(v));
  for (double v : g) CHECK(std::isfinite(v));
  for (double v : b.grad().value().to_vector()) CHECK(std::isfinite(v));
}

TEST_CASE("distance_box_iou_loss: errors name the loss") {
  CHECK_THROWS_WITH_AS(
      distance_box_iou_loss(boxes({0, 0, -1, 1}), boxes({0, 0, 1, 1})),
      doctest::Contains("distance_box_iou_loss: boxes1 row 0 has x2 < x1 or y2 < y1"), Error);
  CHECK_THROWS_WITH_AS(
      distance_box_iou_loss(Variable(zeros({1, 4}, kInt64)), boxes({0, 0, 1, 1})),
      doctest::Contains("distance_box_iou_loss: boxes1 must be float32 or float64"), Error);
}

}  // namespace
}  // namespace minidl::losses
