// The detection rows of the loss registry (losses/registry.h).
#include "losses/registry.h"

#include "losses/detection.h"

namespace minidl::losses {
namespace {

using BoxLossFn = Variable (*)(const Variable&, const Variable&, const BoxIouLossOptions&);

LossInfo box_row(std::string name, std::string formula, std::string reference, BoxLossFn fn,
                 bool torch_has_it) {
  return {
      .name = std::move(name),
      .formula = std::move(formula),
      .reference = std::move(reference),
      .inputs = {{"boxes1", InputKind::kFloat, false, "predicted boxes [N, 4] (x1, y1, x2, y2)"},
                 {"boxes2", InputKind::kFloat, false, "target boxes [N, 4], matched by row"}},
      .params = {reduction_param("none", " (torchvision: 'none')"),
                 {"eps", 1e-7, "small number in the denominators"}},
      .evaluate =
          [fn](const EvalArgs& a) {
            const BoxIouLossOptions d;  // the C++ defaults
            return fn(a.input("boxes1"), a.input("boxes2"),
                      {.reduction = a.reduction(d.reduction), .eps = a.number("eps", d.eps)});
          },
      .torch_has_it = torch_has_it};
}

}  // namespace

std::vector<LossInfo> detection_losses() {
  return in_family(
      "detection",
      {
          box_row("iou_loss", "1 - I / (U + eps), I and U of matched xyxy boxes",
                  "Yu et al. 2016 (UnitBox), the IoU term of torchvision's GIoU loss", iou_loss,
                  false),
          box_row("generalized_box_iou_loss",
                  "1 - I / (U + eps) + (|C| - U) / (|C| + eps), C enclosing",
                  "torchvision.ops.generalized_box_iou_loss (Rezatofighi et al. 2019)",
                  generalized_box_iou_loss, true),
          box_row("distance_box_iou_loss",
                  "1 - I / (U + eps) + rho^2 / (c^2 + eps), centres and C's diagonal",
                  "torchvision.ops.distance_box_iou_loss (Zheng et al. 2020)",
                  distance_box_iou_loss, true),
          box_row("complete_box_iou_loss",
                  "DIoU + alpha v, v = 4/pi^2 (atan(wg/hg) - atan(w/h))^2, alpha constant",
                  "torchvision.ops.complete_box_iou_loss (Zheng et al. 2020)",
                  complete_box_iou_loss, true),
      });
}

}  // namespace minidl::losses
