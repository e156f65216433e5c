// Augmentation for the minority classes (layer 3): random oversampling in which every added copy
// passes through an augmentation (flips, crops, noise: data/transforms.h), so a rare class grows
// by new variants of its samples rather than by exact repeats (random_oversample) or by
// interpolation between neighbours (smote).
//
//   for each class c (ascending) with n_c < target_c:
//     draw target_c - n_c samples of class c uniformly with replacement (i_1, i_2, ...)
//     append transform_c([x_{i_1}; x_{i_2}; ...], gen) with label c
//
// The originals come first, in order and unchanged; target_c is the class's entry in
// target_counts, or the largest class's count for every class when target_counts is empty (a
// class not listed there keeps its samples). transform_c is the class's own entry in
// class_transforms if it has one, else the common transform. The generator is seeded with seed,
// drawn in class order, so the result is reproducible. Shapes: x [N, ...] (any trailing shape the
// transforms accept, e.g. [N, 1, 28, 28] for crops and flips), labels int64 [N]; the transform
// must keep the shape of a sample.
#pragma once

#include <cstdint>
#include <map>

#include "data/resample.h"
#include "data/transforms.h"
#include "tensor/tensor.h"

namespace minidl::data {

struct ClassAugmentOptions {
  std::map<std::int64_t, std::int64_t> target_counts = {};  // empty: all to the largest count
  std::map<std::int64_t, Transform> class_transforms = {};  // per-class transform overrides
  std::uint64_t seed = 0;
};

// x with target_c - n_c augmented copies appended for each class below its target; num_synthetic
// counts them.
Resampled augment_minority(const Tensor& x, const Tensor& labels, const Transform& transform,
                           const ClassAugmentOptions& options = {});

}  // namespace minidl::data
