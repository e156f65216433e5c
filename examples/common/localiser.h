// The box-loss examples' shared task (examples/detection/<loss>.cpp and box_loss_study): find
// the one Fashion-MNIST item on a 64 x 64 canvas (data/detection.h, single-object variant).
//
// The localiser: a small CNN (three conv-BN-ReLU blocks, a hidden layer) whose 4 outputs
// are Faster R-CNN box deltas (dx, dy, dw, dh) relative to one fixed reference box, with the
// ROI heads' coder weights (10, 10, 5, 5) (metrics::BoxCoder). The decoded box
//   cx = r.cx + r.w dx / 10,  w = r.w exp(min(dw / 5, log(1000/16)))   (the same for y, h)
// is formed with autograd ops, so the IoU-family losses train through it; Smooth L1 instead
// compares the deltas with the coder's encoding of the target box (Fast R-CNN). Same data, same
// initial weights and schedule for every loss: only the loss differs.
//
// The reference box is the centre square [16, 16, 48, 48] (the usual start: most targets overlap
// it), or the corner square [0, 0, 12, 12] (`corner`: most targets start disjoint from the
// prediction, where plain IoU has no gradient).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "autograd/variable.h"
#include "data/detection.h"
#include "examples/common/example.h"

namespace minidl::examples {

struct LocaliserData {
  Tensor train_images, train_boxes;  // float32 [N, 1, 64, 64], [N, 4]
  Tensor test_images, test_boxes;
  data::DetectionSet test_set;  // for pictures
};
// Quick mode: 1500 training and 300 test canvases from the first 3000 items; full: 12000 and
// 2000 from all. Seeded by opt.seed.
LocaliserData load_localiser_data(const ExampleOptions& opt);

// loss(deltas [B, 4], decoded boxes [B, 4], target boxes [B, 4], target deltas [B, 4]).
using BoxLossFn = std::function<Variable(const Variable& deltas, const Variable& boxes,
                                         const Tensor& target_boxes, const Tensor& target_deltas)>;

struct LocaliserOptions {
  std::int64_t epochs = 8;
  std::int64_t batch = 64;
  double lr = 2e-3;  // Adam, cosine-annealed to 0
  std::uint64_t seed = 0;
  bool corner_start = false;  // reference box in the corner instead of the centre
  bool verbose = true;
  std::int64_t max_steps = 0;  // > 0: stop after this many steps (quick studies)
};

struct LocaliserResult {
  double miou_before = 0, miou_after = 0;  // test mean IoU
  double ap50_before = 0, ap50_after = 0;  // test AP@0.5 (one box per image, score 1)
  double ap_after = 0;                     // test AP@[.5:.95]
  double seconds = 0;                      // training time
  Tensor test_pred;                        // float32 [N_test, 4] after training
};

LocaliserResult train_localiser(const LocaliserData& d, const BoxLossFn& loss,
                                const LocaliserOptions& options);

// The share of test canvases whose loss has exactly zero gradient with respect to the untrained
// model's 4 outputs (options.seed's initial weights, options.corner_start's reference box): for
// iou_loss, the canvases whose first prediction is disjoint from the target.
double zero_gradient_share(const LocaliserData& d, const BoxLossFn& loss,
                           const LocaliserOptions& options);

// The runs of one loss example: flags, data, training, a PNG of test images with their boxes
// (<out>/boxes.png), the report. `loss_name` is the registry name (or "smooth_l1_loss").
int run_localiser_example(int argc, char** argv, const std::string& loss_name,
                          const BoxLossFn& loss);

}  // namespace minidl::examples
