// COCO-style average precision for object detection (layer 3, namespace minidl::metrics), the
// bounding-box evaluation of pycocotools' COCOeval (Lin et al. 2014) with area range "all" and
// maxDets 100, written from its published description.
//
// Per image i: ground truth boxes [G_i, 4] xyxy with int64 labels [G_i]; detections [D_i, 4]
// with scores [D_i] and labels [D_i].
//
// For each class c and IoU threshold t in {0.50, 0.55, ..., 0.95}:
//   1. Per image, its detections of class c sorted by score descending (ties keep input order),
//      cut to the first max_detections; greedy matching in that order: each detection takes the
//      still-unmatched ground truth box of class c with the highest IoU >= min(t, 1 - 1e-10)
//      (ties: the last such box, as COCO's `if iou < best: continue` scan gives), else it is a
//      false positive.
//   2. All images' detections of c in one list, sorted by score descending (ties: image order,
//      then the order of step 1), cumulative TP and FP give recall = TP / G_c and precision =
//      TP / (TP + FP + 2^-52) (COCO's np.spacing(1)).
//   3. Precision made monotone from the right (p_k = max_{j >= k} p_j), then read at the 101
//      recall points r = 0, 0.01, ..., 1: the precision at the first list position whose recall
//      is >= r, or 0 when recall never reaches r.
//   AP(c, t) = the mean of those 101 values.
// A class without ground truth boxes in any image has no AP (NaN) and is left out of the means;
// its detections count for nothing. AP = mean over classes with ground truth and all 10
// thresholds; AP50 and AP75 at t = 0.5 and 0.75; per-class AP = mean over the 10 thresholds.
// Not modelled: COCO's iscrowd regions and the small / medium / large area ranges.
#pragma once

#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace minidl::metrics {

struct Detections {
  Tensor boxes;   // float [D, 4] xyxy
  Tensor scores;  // float [D]
  Tensor labels;  // int64 [D]
};
struct GroundTruth {
  Tensor boxes;   // float [G, 4] xyxy
  Tensor labels;  // int64 [G]
};

struct CocoOptions {
  std::int64_t max_detections = 100;  // per image and class (COCO's maxDets[-1])
};

struct CocoResult {
  double ap = 0;    // AP@[.5:.95]; NaN when no class has ground truth
  double ap50 = 0;  // AP at IoU 0.5
  double ap75 = 0;
  std::vector<double> per_class_ap;  // [num_classes], NaN for a class without ground truth
  // precision[t][c][r]: the interpolated precision at threshold t (10), class c, recall point r
  // (101); -1 for a class without ground truth (pycocotools' eval['precision'] layout, [T][K][R]).
  std::vector<std::vector<std::vector<double>>> precision;
};

// One entry per image in both lists (an image without detections has empty tensors). Labels must
// lie in [0, num_classes).
CocoResult coco_evaluate(const std::vector<Detections>& detections,
                         const std::vector<GroundTruth>& ground_truth, std::int64_t num_classes,
                         const CocoOptions& options = {});

}  // namespace minidl::metrics
