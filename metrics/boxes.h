// Box operations (layer 3, namespace minidl::metrics) with torchvision.ops' semantics, on plain
// tensors (no gradients: the differentiable box losses compose their own IoU from autograd ops in
// losses/detection/). Non-maximum suppression is in metrics/nms.h, COCO-style AP in
// metrics/detection.h.
//
// Shapes: boxes [N, 4] float32 or float64, one box per row; results keep the input's dtype.
// Formats:
//   xyxy    (x1, y1, x2, y2): top-left and bottom-right corners (what every op here expects)
//   xywh    (x1, y1, w, h)
//   cxcywh  (cx, cy, w, h): centre, width and height
//
//   area(b)      = (x2 - x1)(y2 - y1)
//   inter(a, b)  = max(0, min(a.x2, b.x2) - max(a.x1, b.x1)) * max(0, min(a.y2, b.y2) - ...)
//   iou(a, b)    = inter / (area(a) + area(b) - inter)       (0/0 = NaN for two empty boxes)
//   giou(a, b)   = iou - (area(C) - union) / area(C),  C the smallest box enclosing a and b
// in exactly torchvision's order of operations, so float32 results match bit for bit.
//
// The pairwise kernels never build torchvision's [N, M, 2] temporaries: boxes2 is laid out as
// five column arrays (x1, y1, x2, y2, area) and each output row is one pass over them in blocks
// of 16 that GCC vectorises, rows spread over cores in chunks of a fixed grain (bitwise the same
// for any thread count). 10k x 10k is 100M outputs, 400 MB in float32: memory-bound writing.
//
// Box coder (Faster R-CNN, Girshick 2015; torchvision.models.detection._utils.BoxCoder):
//   encode: for a reference box r (the proposal/anchor) and a target box g,
//     dx = wx (g.cx - r.cx) / r.w,  dy = wy (g.cy - r.cy) / r.h,
//     dw = ww log(g.w / r.w),       dh = wh log(g.h / r.h)
//   decode: the inverse, with dw / ww and dh / wh clamped above at bbox_xform_clip = log(1000/16)
//     so exp() cannot overflow on a wild prediction.
#pragma once

#include <array>
#include <cmath>
#include <string_view>

#include "tensor/tensor.h"

namespace minidl::metrics {

// Every op below throws minidl::Error naming itself for boxes that are not [N, 4] floating point.
// Only the losses and the coder refuse x2 < x1 (torchvision's ops compute on them silently).

Tensor box_area(const Tensor& boxes);                                    // [N]
Tensor box_iou(const Tensor& boxes1, const Tensor& boxes2);              // [N, M]
Tensor generalized_box_iou(const Tensor& boxes1, const Tensor& boxes2);  // [N, M]
// The naive reference: torchvision's broadcast formula in float64 loops (tests compare).
Tensor box_iou_reference(const Tensor& boxes1, const Tensor& boxes2);

// in_fmt, out_fmt in {"xyxy", "xywh", "cxcywh"}; the same format gives a copy.
Tensor box_convert(const Tensor& boxes, std::string_view in_fmt, std::string_view out_fmt);
// x clamped to [0, width], y to [0, height] (torchvision's size = (height, width)).
Tensor clip_boxes_to_image(const Tensor& boxes, double height, double width);
// int64 [K]: indices (ascending) of the boxes whose width and height are both >= min_size.
Tensor remove_small_boxes(const Tensor& boxes, double min_size);

struct BoxCoder {
  std::array<double, 4> weights = {1.0, 1.0, 1.0, 1.0};  // (wx, wy, ww, wh); Faster R-CNN's
                                                         // ROI heads use (10, 10, 5, 5)
  double bbox_xform_clip = std::log(1000.0 / 16.0);
  // deltas [N, 4] that take reference_boxes[i] to target_boxes[i] (torchvision's
  // encode_single(reference_boxes = targets, proposals = reference)). Boxes of zero width or
  // height are an error (log 0).
  Tensor encode(const Tensor& target_boxes, const Tensor& reference_boxes) const;
  // boxes [N, 4] from deltas [N, 4] relative to reference_boxes [N, 4].
  Tensor decode(const Tensor& deltas, const Tensor& reference_boxes) const;
};

// Mean of iou(pred[i], target[i]) over i (both [N, 4] xyxy): the localisation metric.
double mean_iou(const Tensor& pred, const Tensor& target);

}  // namespace minidl::metrics
