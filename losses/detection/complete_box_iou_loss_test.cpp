#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

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

TEST_CASE("complete_box_iou_loss: known value") {
  // [0,0,2,1] vs [0,0,1,2]: I = 1, U = 3, same centre? no: (1, .5) vs (.5, 1): rho^2 = .5,
  // C = [0,0,2,2], c^2 = 8; v = 4/pi^2 (atan 2 - atan .5)^2, alpha = v / (1 - 1/3 + v).
  const double pi = std::numbers::pi;
  const double v = 4 / (pi * pi) * std::pow(std::atan(0.5) - std::atan(2.0), 2);
  const double expected = 1 - 1.0 / 3 + 0.5 / 8 + v / (1 - 1.0 / 3 + v) * v;
  CHECK(complete_box_iou_loss(boxes({0, 0, 2, 1}), boxes({0, 0, 1, 2}), {.eps = 0}).item() ==
        doctest::Approx(expected).epsilon(1e-6));  // the DIoU part keeps eps = 1e-7
}

// gradcheck differentiates alpha too, so it applies where alpha's own change does not count:
// boxes of equal aspect ratio (v = 0 and dv = 0, so d(alpha v) = 0 whatever alpha does). Where
// v > 0, the next test checks the gradient against DIoU + alpha v with alpha frozen by hand.
TEST_CASE("complete_box_iou_loss: gradcheck for both inputs, every reduction (equal aspects)") {
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    const Variable a = boxes({0.1, 0.2, 2.3, 1.3, 1.0, 1.5, 2.0, 4.5, 0.0, 0.0, 1.0, 1.0});
    const Variable b = boxes({0.6, -0.3, 3.9, 1.35, 1.4, 0.9, 2.2, 3.3, 3.0, 2.5, 4.5, 4.0});
    CHECK(gradcheck(
        [r](const auto& v) {
          return std::vector{complete_box_iou_loss(v[0], v[1], {.reduction = r})};
        },
        {a, b}));
  }
}

TEST_CASE("complete_box_iou_loss: matches torchvision") {
  CHECK(testing::check_loss_fixtures("complete_box_iou_loss") >= 7);
}

TEST_CASE("complete_box_iou_loss: alpha is a constant in the backward pass") {
  // With alpha constant, d/dx of alpha v is alpha dv/dx: compare against the loss whose alpha
  // is frozen by hand, DIoU + alpha v.
  const Variable a = boxes({0.2, 0.1, 2.5, 1.0}), b = boxes({0.0, 0.0, 1.0, 2.0});
  backward(complete_box_iou_loss(a, b, {.reduction = Reduction::Sum}));
  const Variable a2 = boxes({0.2, 0.1, 2.5, 1.0});
  const Variable diou = distance_box_iou_loss(a2, b.detach(), {.reduction = Reduction::Sum});
  // diou and atan are gradchecked; alpha enters as a plain number.
  const double pi = std::numbers::pi;
  const Variable w = narrow(a2, 1, 2, 1) - narrow(a2, 1, 0, 1);
  const Variable h = narrow(a2, 1, 3, 1) - narrow(a2, 1, 1, 1);
  const Variable v = (4 / (pi * pi)) * square(std::atan(0.5) - atan(w / h));
  const double iou = 1 - iou_loss(a2, b.detach()).item();  // I / (U + 1e-7), I = 0.8 * 0.9
  const double alpha = v.item() / (1 - iou + v.item() + 1e-7);
  backward(sum(diou + alpha * v));
  for (std::int64_t k = 0; k < 4; ++k)
    CHECK(a.grad().value().at(k) == doctest::Approx(a2.grad().value().at(k)).epsilon(1e-10));
}

TEST_CASE("complete_box_iou_loss: zero-height, point and disjoint boxes stay finite") {
  // torchvision gives NaN gradients for the first two (atan(w / 0), 0 / 0).
  const Variable a = boxes({0, 1, 3, 1, 2, 2, 2, 2, 0, 0, 1, 1});
  const Variable b = boxes({0.5, 0, 2, 2, 0, 0, 2, 2, 5, 5, 6, 8});
  const Variable loss = complete_box_iou_loss(a, b);
  backward(sum(loss));
  for (double x : loss.value().to_vector()) CHECK(std::isfinite(x));
  for (double x : a.grad().value().to_vector()) CHECK(std::isfinite(x));
  for (double x : b.grad().value().to_vector()) CHECK(std::isfinite(x));
  // The zero-height box has angle pi/2, as atan(w / 0) = atan(inf) in torchvision: I = 0,
  // U = 3, centres (1.5, 1) and (1.25, 1), C = [0, 0, 3, 2].
  const double pi = std::numbers::pi;
  const double v = 4 / (pi * pi) * std::pow(std::atan(1.5 / 2) - pi / 2, 2);
  const double expected = 1 + 0.0625 / (13 + 1e-7) + v / (1 + v + 1e-7) * v;
  CHECK(loss.value().at(0) == doctest::Approx(expected).epsilon(1e-12));
}

TEST_CASE("complete_box_iou_loss: errors name the loss") {
  CHECK_THROWS_WITH_AS(
      complete_box_iou_loss(boxes({0, 0, 1, 1}), boxes({0, 3, 1, 1})),
      doctest::Contains("complete_box_iou_loss: boxes2 row 0 has x2 < x1 or y2 < y1"), Error);
}

}  // namespace
}  // namespace minidl::losses
