// Box regression losses for object detection (layer 2), torchvision.ops' definitions.
//
// Shapes: boxes1 (the prediction) and boxes2 (the target) [N, 4] in xyxy format (x1, y1, x2, y2),
// matched row by row; the unreduced loss is [N]. Each loss is defined in
// losses/detection/<name>.cpp with its formula block; the parts they share (intersection, union,
// the smallest enclosing box C, centre distances) in losses/detection/box_loss_util.cpp.
//
// Which one to use (I = intersection, U = union, C = smallest enclosing box):
//   iou_loss                   1 - I / U          scale-invariant, but zero gradient once the boxes
//                                                 are disjoint: a far-off prediction never moves
//   generalized_box_iou_loss   1 - I/U + (|C| - U) / |C|     GIoU (Rezatofighi et al. 2019):
//                                                 pulls disjoint boxes together through C's area
//   distance_box_iou_loss      1 - I/U + rho^2 / c^2          DIoU (Zheng et al. 2020): the
//                                                 centre distance over C's diagonal, faster
//   complete_box_iou_loss      DIoU + alpha v                 CIoU: plus an aspect-ratio term
// and Smooth L1 on encoded deltas (Fast R-CNN): losses::smooth_l1_loss on the output of
// metrics::BoxCoder::encode, as the localiser examples show.
//
// A box with x2 < x1 or y2 < y1 is an error naming the loss, the input and the row (torchvision
// asserts the same). Zero-area boxes and disjoint boxes are valid and give finite losses and
// gradients.
#pragma once

#include "autograd/variable.h"
#include "losses/reduction.h"

namespace minidl::losses {

struct BoxIouLossOptions {
  Reduction reduction = Reduction::None;  // torchvision's default is 'none'
  double eps = 1e-7;                      // keeps I / (U + eps) and the other ratios finite
};

// 1 - I / (U + eps). torchvision 0.14 has no plain IoU loss; this is the IoU term its
// generalized_box_iou_loss uses (torchvision.ops._utils._loss_inter_union).
Variable iou_loss(const Variable& boxes1, const Variable& boxes2,
                  const BoxIouLossOptions& options = {});
// torchvision.ops.generalized_box_iou_loss.
Variable generalized_box_iou_loss(const Variable& boxes1, const Variable& boxes2,
                                  const BoxIouLossOptions& options = {});
// torchvision.ops.distance_box_iou_loss.
Variable distance_box_iou_loss(const Variable& boxes1, const Variable& boxes2,
                               const BoxIouLossOptions& options = {});
// torchvision.ops.complete_box_iou_loss (alpha a constant in the backward pass).
Variable complete_box_iou_loss(const Variable& boxes1, const Variable& boxes2,
                               const BoxIouLossOptions& options = {});

}  // namespace minidl::losses
