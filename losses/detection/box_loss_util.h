// Pieces the box losses share (internal to losses/detection/): the coordinates as columns, the
// intersection and union of torchvision's _loss_inter_union, the smallest enclosing box and the
// DIoU term, all differentiable.
#pragma once

#include "autograd/variable.h"

namespace minidl::losses::detail {

struct BoxTerms {
  Variable x1, y1, x2, y2;      // boxes1's columns, [N]
  Variable x1g, y1g, x2g, y2g;  // boxes2's columns
  Variable inter, uni;          // I (0 where the boxes do not overlap, with a zero gradient) and U
  Variable xc1, yc1, xc2, yc2;  // the smallest enclosing box C
};

// Checks both inputs ([N, 4] floating point, the same N > 0, x2 >= x1 and y2 >= y1 in every row:
// errors name `op`) and computes the terms.
BoxTerms box_terms(const char* op, const Variable& boxes1, const Variable& boxes2);

// DIoU: 1 - I / (U + eps) + rho^2 / (c^2 + eps) (torchvision's _diou_iou_loss); *iou receives
// I / (U + eps).
Variable diou_loss(const BoxTerms& t, double eps, Variable* iou);

}  // namespace minidl::losses::detail
