// Sliding-window kernels (layer 0) behind convolution and pooling: im2col (unfold), its adjoint
// col2im (fold), and the argmax positions of max pooling. Defined in tensor/conv.cpp and
// tensor/max_pool.cpp; the naive oracles are in tensor/naive_conv.h.
//
// Shape legend: N batch, C channels, H x W image, kH x kW kernel, H_out x W_out window positions,
// L = H_out * W_out. Window position (oh, ow), kernel offset (kh, kw) reads image pixel
//   ih = oh * stride_h - pad_h + kh * dil_h,   iw = ow * stride_w - pad_w + kw * dil_w
// and a pixel outside the image is padding (0 for im2col, -inf for max pooling).
//
// The unfolded layout is [C * kH * kW, N * L]: row (c, kh, kw), column (n, oh, ow). It is chosen
// for the convolution GEMM: the forward is one [C_out, C*kH*kW] x [C*kH*kW, N*L] product for the
// whole batch (a weight-times-columns GEMM per sample would be N small products), the weight
// gradient is one product with the long N*L axis as the inner dimension, and the rows of one group
// of channels are a contiguous block, so grouped convolution is a batched product over a reshape,
// no copy. (torch.nn.functional.unfold returns [N, C*kH*kW, L]; ours is that with N moved next to
// L.)
#pragma once

#include <array>
#include <cstdint>
#include <utility>

#include "tensor/tensor.h"

namespace minidl {

// {height, width}
using Pair = std::array<std::int64_t, 2>;

// A sliding window over the last two axes of [N, C, H, W].
struct Window2d {
  Pair kernel = {1, 1};
  Pair stride = {1, 1};
  Pair padding = {0, 0};
  Pair dilation = {1, 1};
  // Pooling's ceil_mode: a last window that starts inside the image (or the leading padding) but
  // runs past the padded end still counts, as in PyTorch.
  bool ceil_mode = false;
};

// Window positions along one axis of size `in` (may be <= 0 when the window does not fit):
//   floor((in + 2 pad - dil (k - 1) - 1) / stride) + 1, or ceil(...) + 1 under ceil_mode, minus one
//   when that last window would start at or past in + pad. Throws naming `op` when the padded
//   input or the window's extent does not fit int64.
std::int64_t window_count(std::int64_t in, std::int64_t kernel, std::int64_t stride,
                          std::int64_t pad, std::int64_t dilation, bool ceil_mode,
                          const char* op = "window_count");
// Throws naming `op` unless kernel, stride and dilation are >= 1 and padding >= 0, and the window's
// extent dilation * (kernel - 1) + 1 and 2 * padding fit int64.
void check_window(const Window2d& w, const char* op);
// {H_out, W_out} for an H x W image; throws naming `op` when either is < 1.
Pair window_out_size(const Window2d& w, Pair image, const char* op);

// x [N, C, H, W] (float) -> [C * kH * kW, N * L] (layout above), padding read as 0.
Tensor im2col(const Tensor& x, const Window2d& w);
// The adjoint of im2col: cols [C * kH * kW, N * L] -> [N, C, H, W] with image = {H, W}, each pixel
// the sum of every column entry that im2col would have copied from it (overlapping windows add up).
// Each (n, c) plane is summed by one task in a fixed order: bitwise the same on any thread count.
Tensor col2im(const Tensor& cols, Pair image, const Window2d& w);
// Max pooling's argmax: x [N, C, H, W] (float) -> int64 [N, C, H_out, W_out], each the flat index
// ih * W + iw of the first maximum of its window in row-major window order (padding is -inf; if
// the window holds a NaN, the last NaN, as in PyTorch's CPU kernel). A window lying entirely in
// padding is an error.
Tensor max_pool2d_indices(const Tensor& x, const Window2d& w);
// The same in one pass with the maxima: {values [N, C, H_out, W_out] in x's dtype, indices}.
std::pair<Tensor, Tensor> max_pool2d_forward(const Tensor& x, const Window2d& w);
// Max pooling's gradient: dx [N, C, image] is zero but for g added at each window's index (indices
// from max_pool2d_indices, so each lies inside its plane; not checked again here).
Tensor max_pool2d_backward(const Tensor& g, const Tensor& indices, Pair image);
// The compact argmax of max_pool2d_fused (autograd/conv_ops.cpp), for windows of at most 256
// pixels: {values, offsets}, offsets the window offset i * kW + j of each argmax as one byte,
// packed in an int64 tensor of ceil(N C H_out W_out / 8) elements (8x less memory than indices;
// internal to the op: nothing else reads it). The same first maximum and NaN rule as above.
std::pair<Tensor, Tensor> max_pool2d_forward_offsets(const Tensor& x, const Window2d& w);
// max_pool2d_backward from those offsets (the same bits); g is [N, C, H_out, W_out].
Tensor max_pool2d_backward_offsets(const Tensor& g, const Tensor& offsets, Pair image,
                                   const Window2d& w);
// The offsets as max_pool2d_indices' int64 indices of shape out_shape (for create_graph).
Tensor max_pool2d_offsets_to_indices(const Tensor& offsets, const Shape& out_shape, Pair image,
                                     const Window2d& w);

// ---- The fused convolution (tensor/conv_gemm.cpp): im2col and GEMM one sample at a time,
// straight between NCHW tensors, for conv2d's forward and backward (autograd/conv_ops.cpp). x is
// [N, C, H, W], weight [O, C / groups, kH, kW], bias [O] or undefined, y and dy [N, O, H_out,
// W_out] for the window w (kernel = {kH, kW}); float32 or float64, shapes already checked by the
// caller. Bitwise the same on any thread count. 3x3 stride-1 convolutions take the Winograd or the
// direct kernels instead (tensor/conv_winograd.h; which when: tensor/conv_gemm.cpp's comment).
Tensor conv2d_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, const Window2d& w,
                      std::int64_t groups);
struct Conv2dGrads {
  Tensor input, weight, bias;  // undefined unless asked for
};
Conv2dGrads conv2d_backward(const Tensor& dy, const Tensor& x, const Tensor& weight,
                            const Window2d& w, std::int64_t groups, bool need_input,
                            bool need_weight, bool need_bias);
// conv_transpose2d's forward as conv2d's input gradient: x [N, C, H, W], weight [C, O / groups,
// kH, kW], bias [O] or undefined -> [N, O, out], where out must take exactly H x W windows of w
// (output_padding < stride; throws otherwise). Its input gradient is conv2d_forward(dy, weight,
// {}, w, groups); its weight gradient conv2d_backward(x, dy, weight, w, groups, false, true,
// false). Bitwise the same on any thread count.
Tensor conv_transpose2d_forward(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                const Window2d& w, std::int64_t groups, Pair out);

}  // namespace minidl
