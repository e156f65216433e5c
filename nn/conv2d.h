// Conv2d: 2-D convolution over [N, C, H, W] (PyTorch's nn.Conv2d; the computation is
// autograd/conv.h's conv2d).
//
//   x [N, C_in, H, W] -> y [N, C_out, H_out, W_out]
//   y[n, o] = bias[o] + sum_{c in group(o)} sum_{i,j} weight[o, c, i, j] *
//             x_pad[n, c, s_h h + d_h i, s_w w + d_w j]
//   H_out = floor((H + 2 p_h - d_h (k_h - 1) - 1) / s_h) + 1   (likewise W)
//   weight [C_out, C_in / groups, k_h, k_w], bias [C_out]
// groups splits the channels into that many independent convolutions (groups = C_in = C_out is
// depthwise); C_in and C_out must both be divisible by it.
// Default init (PyTorch's): weight kaiming_uniform_(a = sqrt 5), i.e. U(-1/sqrt(fan_in),
// 1/sqrt(fan_in)) with fan_in = C_in / groups * k_h * k_w; bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
//
// nn::Conv2dOptions (the layer's settings, with bias) is not minidl::Conv2dOptions (the
// function's, autograd/conv.h); inside namespace minidl::nn the layer's is found first.
#pragma once

#include <cstdint>
#include <string>

#include "nn/module.h"
#include "nn/size2.h"

namespace minidl::nn {

struct Conv2dOptions {
  Size2 stride = 1;
  Size2 padding = 0;
  Size2 dilation = 1;
  std::int64_t groups = 1;
  bool bias = true;
};

class Conv2d : public Module {
 public:
  Conv2d(std::int64_t in_channels, std::int64_t out_channels, Size2 kernel_size, Generator& gen,
         const Conv2dOptions& options = {});

  Variable forward(const Variable& input) override;
  bool samplewise() const override { return is_exactly(*this); }
  std::string extra_repr() const override;

  std::int64_t in_channels() const { return in_channels_; }
  std::int64_t out_channels() const { return out_channels_; }
  Variable weight() const { return *weight_; }
  Variable bias() const { return bias_ ? *bias_ : Variable(); }

 private:
  std::int64_t in_channels_, out_channels_;
  Size2 kernel_size_;
  Conv2dOptions options_;
  Variable* weight_ = nullptr;
  Variable* bias_ = nullptr;
};

// The checks every convolution layer makes on its input: [N, C, H, W] with C == in_channels and the
// weights' dtype; errors name the layer ("Conv2d", "ConvTranspose2d").
void check_conv_input(const char* layer, const Variable& input, std::int64_t in_channels,
                      const Variable& weight);

}  // namespace minidl::nn
