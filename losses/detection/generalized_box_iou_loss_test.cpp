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

TEST_CASE("generalized_box_iou_loss: known values") {
  // [0,0,1,1] vs [2,0,3,1]: I = 0, U = 2, C = [0,0,3,1] of area 3: 1 - (0 - 1/3) = 4/3.
  const Variable a = boxes({0, 0, 1, 1}), b = boxes({2, 0, 3, 1});
  CHECK(generalized_box_iou_loss(a, b, {.eps = 0}).item() == doctest::Approx(4.0 / 3));
  CHECK(generalized_box_iou_loss(a, a, {.eps = 0}).item() == doctest::Approx(0.0));
}

TEST_CASE("generalized_box_iou_loss: gradcheck for both inputs, every reduction") {
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    const Variable a = boxes({0.1, 0.2, 2.3, 2.1, 1.0, 1.5, 4.2, 3.3, 0.0, 0.0, 1.0, 1.2});
    const Variable b = boxes({0.6, -0.3, 3.1, 1.7, 1.4, 0.9, 3.6, 4.1, 3.0, 2.5, 4.1, 3.3});
    CHECK(gradcheck(
        [r](const auto& v) {
          return std::vector{generalized_box_iou_loss(v[0], v[1], {.reduction = r})};
        },
        {a, b}));
  }
}

TEST_CASE("generalized_box_iou_loss: matches torchvision") {
  CHECK(testing::check_loss_fixtures("generalized_box_iou_loss") >= 8);
}

TEST_CASE("generalized_box_iou_loss: disjoint boxes still get a gradient towards each other") {
  const Variable a = boxes({0, 0, 1, 1}), b = boxes({3, 0, 4, 1});
  backward(generalized_box_iou_loss(a, b, {.reduction = Reduction::Sum}));
  const std::vector<double> g = a.grad().value().to_vector();
  CHECK(g[2] < 0);  // moving x2 right (towards b) lowers the loss
  for (double v : g) CHECK(std::isfinite(v));
}

TEST_CASE("generalized_box_iou_loss: zero-area boxes give finite values and gradients") {
  const Variable a = boxes({1, 1, 1, 1, 0, 1, 3, 1}), b = boxes({1, 1, 1, 1, 0, 0, 2, 2});
  const Variable loss = generalized_box_iou_loss(a, b);
  backward(sum(loss));
  for (double v : loss.value().to_vector()) CHECK(std::isfinite(v));
  for (double v : a.grad().value().to_vector()) CHECK(std::isfinite(v));
  for (double v : b.grad().value().to_vector()) CHECK(std::isfinite(v));
}

TEST_CASE("generalized_box_iou_loss: errors name the loss") {
  CHECK_THROWS_WITH_AS(
      generalized_box_iou_loss(boxes({0, 0, 1, 1}), boxes({0, 2, 1, 1})),
      doctest::Contains("generalized_box_iou_loss: boxes2 row 0 has x2 < x1 or y2 < y1"), Error);
  CHECK_THROWS_WITH_AS(generalized_box_iou_loss(boxes({0, 0, 1, 1}), boxes({0, 0, 1, 1}),
                                                {.reduction = Reduction::BatchMean}),
                       doctest::Contains("only for kl_div"), Error);
}

}  // namespace
}  // namespace minidl::losses
