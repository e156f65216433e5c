// Batch normalisation kernels (layer 0) behind the fused batch_norm op (autograd/norm_ops.cpp,
// used by nn/batchnorm.cpp). Defined in tensor/batch_norm.cpp; the reference is the composition
// in autograd/norm_ops.cpp's batch_norm_composed.
//
// x is [N, C, *] (float32 or float64), read as [N, C, L] with L the product of the trailing axes
// (1 for [N, C]); every statistic is per channel c over its n = N L values. weight and bias are
// [C] or undefined (1 and 0), in x's dtype; shapes are checked by the caller.
//
//   training (batch statistics):  mean = sum(x) / n,  var = sum((x - mean)^2) / n   (two passes)
//                                 invstd = 1 / sqrt(var + eps)
//   eval (given mean and invstd, e.g. running statistics)
//   y = (x - mean) invstd weight + bias
//   backward, xhat = (x - mean) invstd:
//     dbias = sum(dy),  dweight = sum(dy xhat)
//     dx = weight invstd (dy - dbias / n - xhat dweight / n)     with batch statistics
//     dx = weight invstd dy                                       with given statistics
// Each channel is summed by one task in an order fixed by the shape (16 double lanes per
// channel, or one double per channel for [N, C]), so results are bitwise the same on any
// thread count.
#pragma once

#include "tensor/tensor.h"

namespace minidl {

struct BatchNormForward {
  Tensor y;       // x's shape
  Tensor mean;    // [C]: the batch's mean, or the given mean
  Tensor var;     // [C]: the batch's biased variance (undefined with given statistics)
  Tensor invstd;  // [C]: 1 / sqrt(var + eps), or the given invstd
};
// With mean and invstd undefined, normalises by the batch's statistics (training); with both
// given ([C], x's dtype), by those (eval mode).
BatchNormForward batch_norm_forward(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                    double eps, const Tensor& mean = Tensor(),
                                    const Tensor& invstd = Tensor());

struct BatchNormGrads {
  Tensor input, weight, bias;  // undefined unless asked for
};
// dy in x's shape; mean and invstd as batch_norm_forward returned them; batch_stats says whether
// they were the batch's (the dx formula through mean and var) or given (constants).
BatchNormGrads batch_norm_backward(const Tensor& dy, const Tensor& x, const Tensor& mean,
                                   const Tensor& invstd, const Tensor& weight, bool batch_stats,
                                   bool need_input, bool need_weight, bool need_bias);

}  // namespace minidl
