// A generated object-detection set (layer 3): Fashion-MNIST items pasted on a blank canvas.
//
// Shapes: N canvases, S canvas side in pixels, K_i objects in canvas i.
//   images  float32 [N, 1, S, S] in [0, 1], black background
//   boxes   per canvas float32 [K_i, 4], xyxy in pixels, the tight bounds of the item's pixels:
//           (x1, y1) the top-left pixel's corner, (x2, y2) one past the bottom-right pixel
//           (so a one-pixel item has width 1, as COCO counts)
//   labels  per canvas int64 [K_i], the item's Fashion-MNIST class (0..9)
//
// How a canvas is made, from `seed` alone (the same set on every machine and thread count):
//   1. K ~ uniform{min_items..max_items}.
//   2. For each object: a random source item; a side s = round(28 * u), u ~ U(min_scale,
//      max_scale); the item resized to s x s (bilinear, pixel centres aligned like
//      align_corners = false); its tight box = the bounds of resized pixels > kInkThreshold.
//   3. A random position with the box inside the canvas, redrawn (up to 100 times) until its IoU
//      with every earlier box is <= max_overlap (bounded overlap). When no position fits, the
//      canvas keeps fewer objects (at least one: the first always fits).
//   4. Pasted by per-pixel maximum, so overlapping items stay visible, as if on a light table.
// The single-object variant for localisation is min_items = max_items = 1.
#pragma once

#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace minidl::data {

// A resized pixel counts as part of the item above this value (pixels are in [0, 1]).
inline constexpr double kInkThreshold = 0.05;

struct DetectionSetOptions {
  std::int64_t num_images = 1000;
  std::int64_t canvas = 64;  // S
  std::int64_t min_items = 1;
  std::int64_t max_items = 4;
  double min_scale = 0.6;  // item side 28 * scale pixels
  double max_scale = 1.2;
  double max_overlap = 0.2;  // largest IoU allowed between two boxes of one canvas
  std::uint64_t seed = 0;
};

struct DetectionSet {
  Tensor images;               // float32 [N, 1, S, S]
  std::vector<Tensor> boxes;   // N x float32 [K_i, 4]
  std::vector<Tensor> labels;  // N x int64 [K_i]
  std::int64_t size() const { return images.defined() ? images.shape()[0] : 0; }
  std::int64_t num_objects() const;
};

// items: float32 [M, 1, 28, 28] or [M, 784] in [0, 1] (load_fashion_mnist's images), labels
// int64 [M]. Errors name the bad option or shape.
DetectionSet make_detection_set(const Tensor& items, const Tensor& item_labels,
                                const DetectionSetOptions& options);

// The set mirrored left-right (flip augmentation): images reversed along x, each box
// (x1, y1, x2, y2) -> (S - x2, y1, S - x1, y2), labels kept; still the tight bounds of the pixels.
DetectionSet mirror_detection_set(const DetectionSet& set);

// The single-object set's boxes stacked: float32 [N, 4] (every canvas has exactly one box).
Tensor single_boxes(const DetectionSet& set);

}  // namespace minidl::data
