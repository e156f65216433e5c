// generalized_box_iou_loss: GIoU loss (Rezatofighi et al., CVPR 2019, arXiv:1902.09630),
// torchvision.ops.generalized_box_iou_loss (from fvcore).
//
//   I, U as in iou_loss;  C = [min(x1, x1g), min(y1, y1g), max(x2, x2g), max(y2, y2g)], the
//   smallest box enclosing both, |C| = (xc2 - xc1)(yc2 - yc1)
//   giou = I / (U + eps) - (|C| - U) / (|C| + eps)
//   l = 1 - giou, in [0, 2)                                         (eps = 1e-7)
//   none: l [N]    mean: (1/N) sum l    sum: sum l
//
// Why: for disjoint boxes I = 0, and plain IoU is flat at 1, but (|C| - U) / |C| still shrinks as
// the boxes approach each other, so the prediction is pulled towards its target. Subgradients at
// ties (a corner of one box equal to the other's) split evenly (torch.minimum / maximum).
// Stability: eps in both denominators keeps coincident zero-area boxes finite.
// Shapes: boxes1, boxes2 [N, 4] (x1, y1, x2, y2) floating point; x2 < x1 or y2 < y1 is an error.
#include "autograd/functional.h"
#include "losses/detection.h"
#include "losses/detection/box_loss_util.h"

namespace minidl::losses {

Variable generalized_box_iou_loss(const Variable& boxes1, const Variable& boxes2,
                                  const BoxIouLossOptions& options) {
  constexpr const char* kOp = "generalized_box_iou_loss";
  const detail::BoxTerms t = detail::box_terms(kOp, boxes1, boxes2);
  const Variable iou = t.inter / (t.uni + options.eps);
  const Variable area_c = (t.xc2 - t.xc1) * (t.yc2 - t.yc1);
  const Variable giou = iou - (area_c - t.uni) / (area_c + options.eps);
  return reduce(1.0 - giou, options.reduction, kOp);
}

}  // namespace minidl::losses
