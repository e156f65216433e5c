// Shared terms of the box losses (see box_loss_util.h).
#include "losses/detection/box_loss_util.h"

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/reduction.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace minidl::losses::detail {
namespace {

Variable column(const Variable& boxes, std::int64_t k) {
  return squeeze(narrow(boxes, 1, k, 1), 1);
}

void check_boxes(const char* op, const char* name, const Variable& boxes) {
  check_floating(op, name, boxes);
  MINIDL_CHECK(boxes.value().dim() == 2 && boxes.value().shape()[1] == 4, op, ": ", name,
               " must be [N, 4] (x1, y1, x2, y2), got ", shape_str(boxes.value().shape()));
  check_not_empty(op, name, boxes);
  const Tensor b = boxes.value().to(kFloat64);
  const double* p = b.data<double>();
  for (std::int64_t i = 0; i < b.shape()[0]; ++i)
    MINIDL_CHECK(p[4 * i + 2] >= p[4 * i] && p[4 * i + 3] >= p[4 * i + 1], op, ": ", name, " row ",
                 i, " has x2 < x1 or y2 < y1: (", p[4 * i], ", ", p[4 * i + 1], ", ", p[4 * i + 2],
                 ", ", p[4 * i + 3], ")");
}

}  // namespace

BoxTerms box_terms(const char* op, const Variable& boxes1, const Variable& boxes2) {
  check_boxes(op, "boxes1", boxes1);
  check_boxes(op, "boxes2", boxes2);
  check_same_shape(op, "boxes1", boxes1, "boxes2", boxes2);
  BoxTerms t;
  t.x1 = column(boxes1, 0), t.y1 = column(boxes1, 1), t.x2 = column(boxes1, 2);
  t.y2 = column(boxes1, 3);
  t.x1g = column(boxes2, 0), t.y1g = column(boxes2, 1), t.x2g = column(boxes2, 2);
  t.y2g = column(boxes2, 3);
  // Intersection keypoints; where the boxes do not overlap, I is a constant 0 (torchvision
  // assigns through a mask, so no gradient reaches the corners there either).
  const Variable xkis1 = maximum(t.x1, t.x1g), ykis1 = maximum(t.y1, t.y1g);
  const Variable xkis2 = minimum(t.x2, t.x2g), ykis2 = minimum(t.y2, t.y2g);
  const Tensor overlap = mul(gt(ykis2.value(), ykis1.value()), gt(xkis2.value(), xkis1.value()));
  t.inter = where(overlap, (xkis2 - xkis1) * (ykis2 - ykis1), Variable(zeros_like(xkis1.value())));
  t.uni = (t.x2 - t.x1) * (t.y2 - t.y1) + (t.x2g - t.x1g) * (t.y2g - t.y1g) - t.inter;
  t.xc1 = minimum(t.x1, t.x1g), t.yc1 = minimum(t.y1, t.y1g);
  t.xc2 = maximum(t.x2, t.x2g), t.yc2 = maximum(t.y2, t.y2g);
  return t;
}

Variable diou_loss(const BoxTerms& t, double eps, Variable* iou) {
  const Variable i = t.inter / (t.uni + eps);
  const Variable diagonal_squared = square(t.xc2 - t.xc1) + square(t.yc2 - t.yc1) + eps;
  const Variable x_p = (t.x2 + t.x1) / 2.0, y_p = (t.y2 + t.y1) / 2.0;
  const Variable x_g = (t.x1g + t.x2g) / 2.0, y_g = (t.y1g + t.y2g) / 2.0;
  const Variable centres_squared = square(x_p - x_g) + square(y_p - y_g);
  if (iou != nullptr) *iou = i;
  return 1.0 - i + centres_squared / diagonal_squared;
}

}  // namespace minidl::losses::detail
