// Non-maximum suppression (layer 3, namespace minidl::metrics), torchvision.ops.nms and
// batched_nms.
//
//   order = boxes by score, descending; equal scores keep their input order (torchvision's CPU
//           kernel sorts stably)
//   for i in order, unless suppressed: keep i; suppress every later j with iou(i, j) > threshold
//           (strictly greater: iou == threshold survives)
//   result: int64 [K], the kept indices in that order.
// IoU in the boxes' dtype with torchvision's operations: inter / (area_i + area_j - inter), so a
// float32 run suppresses exactly what torchvision's does. batched_nms never suppresses across
// categories (idxs); its result is sorted by score descending, ties by index.
//
// Speed: the sorted boxes are copied to column arrays, and each kept box suppresses the rest in
// one branch-free pass over blocks of 16 (vectorised), instead of torchvision's per-pair branch.
#pragma once

#include "tensor/tensor.h"

namespace minidl::metrics {

// boxes [N, 4] xyxy float32/float64, scores [N] (any float dtype). N = 0 gives an empty result.
Tensor nms(const Tensor& boxes, const Tensor& scores, double iou_threshold);
// idxs int64 [N]: the category of each box.
Tensor batched_nms(const Tensor& boxes, const Tensor& scores, const Tensor& idxs,
                   double iou_threshold);
// The naive reference: torchvision's loop, pair by pair in float64 (tests compare the two).
Tensor nms_reference(const Tensor& boxes, const Tensor& scores, double iou_threshold);

}  // namespace minidl::metrics
