// Batch transforms for data augmentation and input scaling, applied by the DataLoader to each
// batch's inputs (or called directly: t(x, gen)).
//
// Shapes: N batch, C channels, H height, W width. Random transforms draw independently per sample
// from the Generator they are given, so a transform's output is a pure function of its input and
// the generator's state: the loader hands each batch a generator derived from (seed, epoch, batch)
// and the augmentation is reproducible, with or without prefetching, and across resumes.
// Transforms never modify their input (a batch may be a view of the dataset).
#pragma once

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "tensor/random.h"
#include "tensor/tensor.h"

namespace minidl::data {

using Transform = std::function<Tensor(const Tensor& inputs, Generator& gen)>;

// (x - mean[c]) / stddev[c] along axis 1 (channels of [N, C, H, W], features of [N, D]); a single
// value applies to every channel. As torchvision's Normalize: a subtraction, then a division.
Transform normalize(std::vector<double> mean, std::vector<double> stddev);

// Mirrors each sample left-right (its last axis) with probability p. Inputs [N, C, H, W] or
// [N, H, W]; flat [N, D] inputs are refused, since mirroring them would scramble the image.
Transform random_horizontal_flip(double p = 0.5);

struct RandomCropOptions {
  std::int64_t height = 0;  // output size
  std::int64_t width = 0;
  std::int64_t padding = 0;  // added on all four sides before cropping
  double fill = 0.0;         // value of the padding
};
// torchvision's RandomCrop(size, padding) on [N, C, H, W]: pad H and W by `padding`, then cut a
// height x width window at a uniformly random position, drawn per sample.
Transform random_crop(const RandomCropOptions& options);
inline Transform random_crop(std::int64_t size, std::int64_t padding = 0) {
  return random_crop(RandomCropOptions{.height = size, .width = size, .padding = padding});
}

struct RandomResizedCropOptions {
  std::int64_t height = 0;  // output size
  std::int64_t width = 0;
  double scale_min = 0.08, scale_max = 1.0;             // crop area as a fraction of the image's
  double ratio_min = 3.0 / 4.0, ratio_max = 4.0 / 3.0;  // crop width / height
};
// torchvision's RandomResizedCrop on floating [N, C, H, W], per sample: a crop of area
// s H W (s ~ U[scale_min, scale_max]) and aspect ratio r (log r uniform in the ratio range),
// w = round(sqrt(s H W r)), h = round(sqrt(s H W / r)), at a uniform position; after 10 draws
// that do not fit, the central crop of the clamped ratio. The crop is resized to height x width
// bilinearly (PyTorch's align_corners = false: source coordinate (i + 1/2) h / height - 1/2,
// clamped to the crop). SimCLR's main augmentation (Chen et al. 2020).
Transform random_resized_crop(const RandomResizedCropOptions& options);

// x + N(mean, stddev^2), independently per element. Floating inputs only.
Transform gaussian_noise(double stddev, double mean = 0.0);

// Applies the transforms in order, all drawing from the same generator.
Transform compose(std::vector<Transform> transforms);

// Per-channel (axis 1) mean and population standard deviation of x [N, C, ...], for normalize.
std::pair<std::vector<double>, std::vector<double>> channel_mean_std(const Tensor& x);

}  // namespace minidl::data
