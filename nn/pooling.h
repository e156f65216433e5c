// Pooling layers over [N, C, H, W] (PyTorch's nn.MaxPool2d, nn.AvgPool2d, and Keras'
// GlobalAveragePooling2D); the computation is autograd/conv.h's.
//
//   MaxPool2d:  y[n, c, h, w] = max_{i,j} x_pad[n, c, s_h h + d_h i, s_w w + d_w j]
//               (padding counts as -inf; the gradient goes to the first maximum)
//   AvgPool2d:  y[n, c, h, w] = sum_{i,j} x_pad[n, c, s_h h + i, s_w w + j] / count
//               count = k_h k_w, or only the non-padding cells when count_include_pad is false
//   H_out = floor((H + 2 p_h - d_h (k_h - 1) - 1) / s_h) + 1, ceil with ceil_mode (then a window
//   must start inside the input or its left padding, as in PyTorch)
//   GlobalAvgPool2d: [N, C, H, W] -> [N, C], the mean over H and W
// Defaults as PyTorch: stride = kernel_size, padding 0, dilation 1, floor mode, padding counted
// in averages.
#pragma once

#include <string>

#include "nn/module.h"
#include "nn/size2.h"

namespace minidl::nn {

struct MaxPool2dOptions {
  Size2 stride = 0;  // 0: the kernel size (PyTorch's stride=None)
  Size2 padding = 0;
  Size2 dilation = 1;
  bool ceil_mode = false;
};

struct AvgPool2dOptions {
  Size2 stride = 0;  // 0: the kernel size (PyTorch's stride=None)
  Size2 padding = 0;
  bool ceil_mode = false;
  bool count_include_pad = true;
};

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(Size2 kernel_size, const MaxPool2dOptions& options = {});
  Variable forward(const Variable& input) override;
  bool samplewise() const override { return is_exactly(*this); }
  std::string extra_repr() const override;

 private:
  Size2 kernel_size_;
  MaxPool2dOptions options_;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(Size2 kernel_size, const AvgPool2dOptions& options = {});
  Variable forward(const Variable& input) override;
  bool samplewise() const override { return is_exactly(*this); }
  std::string extra_repr() const override;

 private:
  Size2 kernel_size_;
  AvgPool2dOptions options_;
};

class GlobalAvgPool2d : public Module {
 public:
  GlobalAvgPool2d() : Module("GlobalAvgPool2d") {}
  Variable forward(const Variable& input) override;
  bool samplewise() const override { return is_exactly(*this); }
};

}  // namespace minidl::nn
