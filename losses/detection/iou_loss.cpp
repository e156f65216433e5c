// iou_loss: one minus the intersection over union of matched boxes, the IoU loss of UnitBox
// (Yu et al. 2016) in torchvision's terms (its generalized_box_iou_loss without the penalty;
// torchvision 0.14 has no plain IoU loss of its own).
//
//   I = (min(x2, x2g) - max(x1, x1g)) (min(y2, y2g) - max(y1, y1g))   if both factors are > 0,
//       else 0 (disjoint or touching boxes)
//   U = (x2 - x1)(y2 - y1) + (x2g - x1g)(y2g - y1g) - I
//   l = 1 - I / (U + eps)                                           (eps = 1e-7)
//   none: l [N]    mean: (1/N) sum l    sum: sum l
//
// Gradient: through I and U to the corners that bound the intersection. Subgradients: where two
// corners tie (max(x1, x1g) with x1 == x1g) the gradient is split evenly between the boxes, as
// torch.maximum does. Where the boxes are disjoint I is the constant 0 and the loss is exactly 1
// with a zero gradient: the known weakness GIoU and DIoU fix (a prediction that misses its target
// gets no signal to move towards it; see box_loss_study).
// Stability: eps keeps two zero-area boxes at 1 - 0 / eps = 1 instead of 0/0.
// Shapes: boxes1, boxes2 [N, 4] (x1, y1, x2, y2) floating point; x2 < x1 or y2 < y1 is an error.
#include "autograd/functional.h"
#include "losses/detection.h"
#include "losses/detection/box_loss_util.h"

namespace minidl::losses {

Variable iou_loss(const Variable& boxes1, const Variable& boxes2,
                  const BoxIouLossOptions& options) {
  constexpr const char* kOp = "iou_loss";
  const detail::BoxTerms t = detail::box_terms(kOp, boxes1, boxes2);
  return reduce(1.0 - t.inter / (t.uni + options.eps), options.reduction, kOp);
}

}  // namespace minidl::losses
