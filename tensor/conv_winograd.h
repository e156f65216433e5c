// Internal to tensor/ (its kernels, their tests and bench_conv): the Winograd F(2x2, 3x3)
// convolution of tensor/conv_winograd.cpp, the direct 3x3 forward of tensor/conv_direct.cpp, and
// the switch that tensor/conv_gemm.cpp's conv2d_forward / conv2d_backward consult to choose
// between them and the im2col + GEMM path.
// Shapes as in tensor/conv.h; float32 or float64, shapes already checked by the caller.
#pragma once

#include <cstdint>

#include "tensor/conv.h"
#include "tensor/tensor.h"

namespace minidl::detail {

// Which kernels conv2d_forward / conv2d_backward run. kAuto: Winograd where use_winograd says so
// (F(4x4, 3x3) or F(2x2, 3x3) as winograd_tile says), the direct forward where use_direct does,
// else im2col + GEMM. kWinograd (F(2x2, 3x3), and F(3x3, 2x2) for the weight gradient),
// kWinograd4 (F(4x4, 3x3), and F(3x3, 4x4) for the weight gradient) / kDirect: that path wherever
// winograd_fits (the direct path is forward only; GEMM for the rest).
enum class ConvPath { kAuto, kGemm, kWinograd, kDirect, kWinograd4 };

// For tests and benchmarks: forces the path on the calling thread (where conv2d_forward and
// conv2d_backward make the choice) while the scope lives.
class ConvPathScope {
 public:
  explicit ConvPathScope(ConvPath path);
  ~ConvPathScope();
  ConvPathScope(const ConvPathScope&) = delete;
  ConvPathScope& operator=(const ConvPathScope&) = delete;

 private:
  ConvPath prev_;
};
ConvPath conv_path();

// The kernels apply: a 3x3 kernel, stride 1, dilation 1, groups 1, padding 0..2 on each axis
// (the input gradient runs the forward with padding 2 - p).
bool winograd_fits(const Shape& x, const Shape& weight, const Window2d& w, std::int64_t groups);
// ... and win (or are chosen) on this shape under the current ConvPath.
bool use_winograd(const Shape& x, const Shape& weight, const Window2d& w, std::int64_t groups);

// The output tile of the Winograd forward (or the input gradient's forward, whose outputs are x's
// H x W) with out = {H_out, W_out}: 4 (F(4x4, 3x3)) or 2 (F(2x2, 3x3)); with weight_grad, of
// the weight gradient (4: F(3x3, 4x4), 2: F(3x3, 2x2)).
int winograd_tile(Pair out, bool weight_grad = false);

// The direct forward applies where winograd_fits and wins (or is chosen): few input channels.
bool use_direct(const Shape& x, const Shape& weight, const Window2d& w, std::int64_t groups);
// y = conv2d(x, weight) + bias (bias may be undefined), directly.
Tensor direct_conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Window2d& w);

// y = conv2d(x, weight) + bias (bias may be undefined).
Tensor winograd_conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                       const Window2d& w);
// dx [N, C, H, W] of y = conv2d(x, weight) for dy [N, O, H_out, W_out]; image = {H, W}.
Tensor winograd_conv2d_input_grad(const Tensor& dy, const Tensor& weight, const Window2d& w,
                                  Pair image);
// dW [O, C, 3, 3] of y = conv2d(x, weight) for dy.
Tensor winograd_conv2d_weight_grad(const Tensor& dy, const Tensor& x, const Window2d& w);

}  // namespace minidl::detail
