// Convolution and pooling over [N, C, H, W] inputs, composed from the unfold2d / fold2d primitives
// (im2col and its adjoint, autograd/ops.h) and matmul, gather and mean, so gradients of any order
// come for free (a WGAN-GP critic differentiates through its convolutions twice).
//
// Shapes follow torch.nn.functional: input [N, C_in, H, W]; conv weight [C_out, C_in / groups,
// kH, kW]; bias [C_out]; output [N, C_out, H_out, W_out] with
//   H_out = floor((H + 2 pad_h - dil_h (kH - 1) - 1) / stride_h) + 1   (likewise W)
// (ceil instead of floor with ceil_mode for pooling, as in PyTorch).
// Defined in autograd/conv.cpp.
#pragma once

#include <array>
#include <cstdint>

#include "autograd/variable.h"

namespace minidl {

using Pair = std::array<std::int64_t, 2>;

struct Conv2dOptions {
  Pair stride = {1, 1};
  Pair padding = {0, 0};
  Pair dilation = {1, 1};
  std::int64_t groups = 1;
};

// bias may be an undefined Variable (no bias). One fused op (fast per-sample kernels), whose
// backward is differentiable again under create_graph.
Variable conv2d(const Variable& input, const Variable& weight, const Variable& bias = Variable(),
                const Conv2dOptions& options = {});
// The same convolution composed from unfold2d, matmul, add and permute over the whole batch: the
// reference conv2d is tested against (and what it computed before the fused op).
Variable conv2d_composed(const Variable& input, const Variable& weight,
                         const Variable& bias = Variable(), const Conv2dOptions& options = {});

struct ConvTranspose2dOptions {
  Pair stride = {1, 1};
  Pair padding = {0, 0};
  // Extra rows / columns at the bottom / right of the output (each < stride or < dilation), to
  // pick among the input sizes a strided conv2d maps to the same output size.
  Pair output_padding = {0, 0};
  Pair dilation = {1, 1};
  std::int64_t groups = 1;
};

// The transposed convolution (the gradient of conv2d with respect to its input), as
// torch.nn.functional.conv_transpose2d: input [N, C_in, H, W], weight [C_in, C_out / groups, kH,
// kW], bias [C_out] or undefined; output [N, C_out, H_out, W_out] with
//   H_out = (H - 1) stride_h - 2 pad_h + dil_h (kH - 1) + output_padding_h + 1   (likewise W).
// One fused op (conv2d's kernels) when output_padding < stride, else composed; differentiable
// again under create_graph either way.
Variable conv_transpose2d(const Variable& input, const Variable& weight,
                          const Variable& bias = Variable(),
                          const ConvTranspose2dOptions& options = {});
// The same composed from matmul, permute and fold2d over the whole batch: the reference
// conv_transpose2d is tested against (and what it computed before the fused op).
Variable conv_transpose2d_composed(const Variable& input, const Variable& weight,
                                   const Variable& bias = Variable(),
                                   const ConvTranspose2dOptions& options = {});

struct Pool2dOptions {
  Pair kernel_size = {2, 2};
  Pair stride = {0, 0};  // {0, 0} means stride = kernel_size (PyTorch's default)
  Pair padding = {0, 0};
  Pair dilation = {1, 1};  // max pooling only
  bool ceil_mode = false;
  bool count_include_pad = true;  // average pooling only
};

// Max over each window; the gradient goes to the (first) maximum, as in PyTorch.
Variable max_pool2d(const Variable& input, const Pool2dOptions& options = {});
Variable avg_pool2d(const Variable& input, const Pool2dOptions& options = {});
// Mean over H and W: [N, C, H, W] -> [N, C].
Variable global_avg_pool2d(const Variable& input);

}  // namespace minidl
