// distance_box_iou_loss: DIoU loss (Zheng et al., AAAI 2020, arXiv:1911.08287),
// torchvision.ops.distance_box_iou_loss (from detectron2).
//
//   I, U as in iou_loss; C the smallest enclosing box, c^2 = (xc2 - xc1)^2 + (yc2 - yc1)^2 its
//   squared diagonal; rho^2 = (cx - cxg)^2 + (cy - cyg)^2 the squared distance of the centres,
//   cx = (x1 + x2) / 2
//   l = 1 - I / (U + eps) + rho^2 / (c^2 + eps)                    (eps = 1e-7)
//   none: l [N]    mean: (1/N) sum l    sum: sum l
//
// Why: the centre term pulls a disjoint prediction straight at its target, normalised by C's
// diagonal so it stays scale-invariant; it converges faster than GIoU, whose penalty first grows
// the box to cover the target. Subgradients at tied corners split evenly (torch.minimum/maximum).
// Stability: eps keeps c^2 > 0 for two coincident point boxes.
// Shapes: boxes1, boxes2 [N, 4] (x1, y1, x2, y2) floating point; x2 < x1 or y2 < y1 is an error.
#include "autograd/functional.h"
#include "losses/detection.h"
#include "losses/detection/box_loss_util.h"

namespace minidl::losses {

Variable distance_box_iou_loss(const Variable& boxes1, const Variable& boxes2,
                               const BoxIouLossOptions& options) {
  constexpr const char* kOp = "distance_box_iou_loss";
  const detail::BoxTerms t = detail::box_terms(kOp, boxes1, boxes2);
  return reduce(detail::diou_loss(t, options.eps, nullptr), options.reduction, kOp);
}

}  // namespace minidl::losses
