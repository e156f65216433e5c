// ConvTranspose2d: the transposed 2-D convolution (PyTorch's nn.ConvTranspose2d; the computation
// is autograd/conv.h's conv_transpose2d), the upsampling layer of DCGAN generators.
//
//   x [N, C_in, H, W] -> y [N, C_out, H_out, W_out]
//   y[n, o, i s_h - p_h + k_h' d_h, j s_w - p_w + k_w' d_w] += weight[c, o', k_h', k_w'] x[n, c, i,
//   j]
//     over c in group(o) (o = g C_out/G + o'), then + bias[o]
//   H_out = (H - 1) s_h - 2 p_h + d_h (k_h - 1) + output_padding_h + 1   (likewise W)
//   weight [C_in, C_out / groups, k_h, k_w] (PyTorch's layout: in-channels first), bias [C_out]
// It is the gradient of Conv2d (same kernel, stride, padding, dilation) with respect to its input,
// so it maps Conv2d's output size back to its input size; output_padding (< stride or
// < dilation) picks among the input sizes that a strided Conv2d maps to the same output.
// Default init (PyTorch's _ConvNd.reset_parameters): weight kaiming_uniform_(a = sqrt 5), i.e.
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = weight.size(1) * k_h * k_w = C_out / groups *
// k_h * k_w (PyTorch computes the fan from the weight as laid out); bias the same bound.
#pragma once

#include <cstdint>
#include <string>

#include "nn/module.h"
#include "nn/size2.h"

namespace minidl::nn {

// PyTorch's keyword order: stride, padding, output_padding, groups, bias, dilation.
struct ConvTranspose2dOptions {
  Size2 stride = 1;
  Size2 padding = 0;
  Size2 output_padding = 0;
  std::int64_t groups = 1;
  bool bias = true;
  Size2 dilation = 1;
};

class ConvTranspose2d : public Module {
 public:
  ConvTranspose2d(std::int64_t in_channels, std::int64_t out_channels, Size2 kernel_size,
                  Generator& gen, const ConvTranspose2dOptions& options = {});

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
  ConvTranspose2dOptions options_;
  Variable* weight_ = nullptr;
  Variable* bias_ = nullptr;
};

}  // namespace minidl::nn
