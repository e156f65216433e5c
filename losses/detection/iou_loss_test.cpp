#include <doctest/doctest.h>

#include <cmath>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/detection.h"
#include "tensor/error.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable boxes(std::vector<double> v) {
  const auto n = static_cast<std::int64_t>(v.size() / 4);
  return Variable(from_vector(v, {n, 4}), true);
}

TEST_CASE("iou_loss: known values, default reduction none") {
  // [0,0,2,2] vs [1,0,3,2]: I = 2, U = 6 -> 1 - 1/3. Identical boxes: 1 - 4 / (4 + eps).
  const Variable a = boxes({0, 0, 2, 2, 0, 0, 2, 2}), b = boxes({1, 0, 3, 2, 0, 0, 2, 2});
  const Tensor l = iou_loss(a, b).value();
  CHECK(l.at(0) == doctest::Approx(1 - 2 / (6 + 1e-7)).epsilon(1e-14));
  CHECK(l.at(1) == doctest::Approx(1 - 4 / (4 + 1e-7)).epsilon(1e-14));
  CHECK(iou_loss(a, b, {.reduction = Reduction::Sum}).item() ==
        doctest::Approx(l.at(0) + l.at(1)).epsilon(1e-14));
}

TEST_CASE("iou_loss: gradcheck for both inputs, every reduction") {
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    const Variable a = boxes({0.1, 0.2, 2.3, 2.1, 1.0, 1.5, 4.2, 3.3});
    const Variable b = boxes({0.6, -0.3, 3.1, 1.7, 1.4, 0.9, 3.6, 4.1});
    CHECK(gradcheck(
        [r](const auto& v) { return std::vector{iou_loss(v[0], v[1], {.reduction = r})}; },
        {a, b}));
  }
}

TEST_CASE("iou_loss: matches the torchvision formula") {
  CHECK(testing::check_loss_fixtures("iou_loss") >= 8);
}

TEST_CASE("iou_loss: disjoint boxes give exactly 1 with a zero gradient; zero area is finite") {
  const Variable a = boxes({0, 0, 1, 1, 0, 0, 0, 2}), b = boxes({5, 5, 6, 7, 0, 0, 1, 1});
  const Variable loss = iou_loss(a, b);
  backward(sum(loss));
  CHECK(loss.value().at(0) == 1.0);
  for (std::int64_t k = 0; k < 4; ++k) CHECK(a.grad().value().at(k) == 0.0);
  for (double v : a.grad().value().to_vector()) CHECK(std::isfinite(v));
  for (double v : b.grad().value().to_vector()) CHECK(std::isfinite(v));
  CHECK(loss.value().at(1) == 1.0);  // a zero-width box overlaps nothing
}

TEST_CASE("iou_loss: errors name the loss and the values") {
  const Variable a = boxes({0, 0, 1, 1});
  CHECK_THROWS_WITH_AS(iou_loss(boxes({1, 0, 0, 1}), a),
                       doctest::Contains("iou_loss: boxes1 row 0 has x2 < x1 or y2 < y1"), Error);
  CHECK_THROWS_WITH_AS(iou_loss(a, Variable(zeros({1, 3}, kFloat64))),
                       doctest::Contains("iou_loss: boxes2 must be [N, 4]"), Error);
  CHECK_THROWS_WITH_AS(iou_loss(a, boxes({0, 0, 1, 1, 0, 0, 1, 1})),
                       doctest::Contains("iou_loss: boxes1 [1,4] and boxes2 [2,4]"), Error);
  CHECK_THROWS_WITH_AS(iou_loss(Variable(zeros({0, 4})), Variable(zeros({0, 4}))),
                       doctest::Contains("iou_loss: boxes1 is empty"), Error);
}

}  // namespace
}  // namespace minidl::losses
