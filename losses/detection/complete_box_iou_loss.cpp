// complete_box_iou_loss: CIoU loss (Zheng et al., AAAI 2020, arXiv:1911.08287),
// torchvision.ops.complete_box_iou_loss (from detectron2).
//
//   DIoU loss and iou = I / (U + 1e-7) as in distance_box_iou_loss
//   v = (4 / pi^2) (atan(wg / hg) - atan(w / h))^2       the aspect-ratio mismatch, in [0, 1)
//   alpha = v / (1 - iou + v + eps)                        a constant in the backward pass
//   l = DIoU + alpha v
//   none: l [N]    mean: (1/N) sum l    sum: sum l
//
// torchvision 0.14's quirk, kept so the values match: its DIoU part always uses eps = 1e-7 (the
// call passes no eps); the `eps` option enters alpha's denominator only.
// alpha is computed without recording (torchvision's torch.no_grad()), as the paper prescribes:
// the gradient of v alone steers the aspect ratio, and alpha only weights it (large once the
// boxes overlap well, small while IoU is still poor).
// Stability (a deviation only where torchvision gives NaN): atan(w / h) is formed as
// pi/2 - atan(h / w) when w > h, so a box of zero height has angle pi/2 with a finite gradient
// (torchvision: atan(w / 0) = pi/2, but its gradient 0 * inf = NaN); a point box (w = h = 0,
// torchvision NaN) counts as square, angle pi/4, and no gradient flows through its angle.
// Shapes: boxes1, boxes2 [N, 4] (x1, y1, x2, y2) floating point; x2 < x1 or y2 < y1 is an error.
#include <numbers>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "autograd/tape.h"
#include "losses/detection.h"
#include "losses/detection/box_loss_util.h"
#include "tensor/ops.h"

namespace minidl::losses {
namespace {

// atan(w / h) for w, h >= 0, finite with a finite gradient wherever one side is > 0. Each branch
// sees a denominator replaced by 1 where the other branch is taken (or at a point box), so the
// discarded branch's gradient is 0, never 0 * inf = NaN.
Variable aspect_angle(const Variable& w, const Variable& h) {
  const Tensor point = mul(eq(w.value(), 0.0), eq(h.value(), 0.0));
  const Tensor steep = gt(w.value(), h.value());  // w > h: use the reciprocal
  const Tensor one = ones_like(w.value());
  const Variable safe_h = where(add(steep, point), Variable(one), h);
  const Variable safe_w = where(steep, w, Variable(one));
  const Variable flat = atan(w / safe_h);
  const Variable upright = std::numbers::pi / 2 - atan(h / safe_w);
  const Variable angle = where(steep, upright, flat);
  return where(point, Variable(full_like(w.value(), std::numbers::pi / 4)), angle);
}

}  // namespace

Variable complete_box_iou_loss(const Variable& boxes1, const Variable& boxes2,
                               const BoxIouLossOptions& options) {
  constexpr const char* kOp = "complete_box_iou_loss";
  const detail::BoxTerms t = detail::box_terms(kOp, boxes1, boxes2);
  Variable iou;
  const Variable diou = detail::diou_loss(t, 1e-7, &iou);
  const Variable angle =
      aspect_angle(t.x2g - t.x1g, t.y2g - t.y1g) - aspect_angle(t.x2 - t.x1, t.y2 - t.y1);
  const Variable v = (4.0 / (std::numbers::pi * std::numbers::pi)) * square(angle);
  Variable alpha;
  {
    NoGradGuard no_grad;
    alpha = Variable(div(v.value(), add(add(add(neg(iou.value()), 1.0), v.value()), options.eps)));
  }
  return reduce(diou + alpha * v, options.reduction, kOp);
}

}  // namespace minidl::losses
