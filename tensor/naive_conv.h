// Naive references for convolution and pooling: the oracle the tests compare tensor/conv.cpp and
// autograd/conv.cpp against. Each is the definition written as nested loops over every output
// element, summing in double, sequentially, with its own output-size arithmetic (so a mistake in
// tensor/conv.cpp's window_count is not shared). No parallelism, no cleverness, minimal checking:
// callers pass valid arguments. Shapes as in tensor/conv.h.
#pragma once

#include <cstdint>
#include <utility>

#include "tensor/conv.h"
#include "tensor/tensor.h"

namespace minidl::naive {

// [N, C, H, W] -> [C*kH*kW, N*L], padding 0.
Tensor im2col(const Tensor& x, const Window2d& w);
// [C*kH*kW, N*L] -> [N, C, image[0], image[1]], overlapping entries summed.
Tensor col2im(const Tensor& cols, Pair image, const Window2d& w);
// The direct 7-loop convolution (torch.nn.functional.conv2d): x [N, C, H, W], weight
// [C_out, C / groups, kH, kW], bias [C_out] or undefined; output channel o sees input channels
// [g * C/groups, (g + 1) * C/groups) with g = o / (C_out / groups).
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Pair stride, Pair padding,
              Pair dilation, std::int64_t groups);
// Values and int64 flat ih * W + iw indices of the first maximum of each window (padding -inf;
// the last NaN when there is one).
std::pair<Tensor, Tensor> max_pool2d(const Tensor& x, const Window2d& w);
// PyTorch's divisor: the window clipped to the padded image (count_include_pad) or to the image.
// w.dilation must be 1.
Tensor avg_pool2d(const Tensor& x, const Window2d& w, bool count_include_pad);

}  // namespace minidl::naive
