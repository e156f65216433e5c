// Parameter initialisers (namespace minidl::nn::init), PyTorch's torch.nn.init with its defaults.
// Each fills a tensor in place (write through a parameter's slot: init::zeros_(fc->bias().value()))
// and draws from an explicit Generator, so a model built from a seed is the same on every run.
//
// Fans of a weight [out, in, k...]: fan_in = in * prod(k), fan_out = out * prod(k) (a 1-D tensor
// has no fans). Gains (calculate_gain): linear, conv and sigmoid 1; tanh 5/3; relu sqrt(2);
// leaky_relu sqrt(2 / (1 + a^2)) with slope a; selu 3/4.
//   kaiming_uniform_: U(-b, b), b = gain sqrt(3 / fan)       (He et al. 2015)
//   kaiming_normal_:  N(0, std^2), std = gain / sqrt(fan)
//   xavier_uniform_:  U(-b, b), b = gain sqrt(6 / (fan_in + fan_out))   (Glorot & Bengio 2010)
//   xavier_normal_:   N(0, std^2), std = gain sqrt(2 / (fan_in + fan_out))
//   orthogonal_:      gain Q, the weight viewed as [rows, cols = numel / rows] (Saxe et al. 2014):
//                     Z ~ N(0, 1) [rows, cols] (transposed when rows < cols), Z = Q R
//                     (linalg::qr), Q <- Q sign(diag R) so the result is Haar-distributed, Q
//                     transposed back: orthonormal rows when rows <= cols, columns otherwise.
//                     The policy-gradient trainers' layer_init (CleanRL) uses it.
// PyTorch's defaults per layer (the layers call these at construction):
//   Linear, Conv2d: weight kaiming_uniform_(a = sqrt 5), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in));
//                   bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))
//   BatchNorm, LayerNorm: weight ones, bias zeros.   Embedding: weight N(0, 1).
#pragma once

#include <cstdint>
#include <utility>

#include "tensor/random.h"
#include "tensor/tensor.h"

namespace minidl::nn::init {

enum class FanMode { kFanIn, kFanOut };
enum class Nonlinearity { kLinear, kConv, kSigmoid, kTanh, kRelu, kLeakyRelu, kSelu };

// param is leaky_relu's negative slope (PyTorch's default 0.01 when not given).
double calculate_gain(Nonlinearity nonlinearity, double param = 0.01);
// {fan_in, fan_out} of a tensor with at least 2 dims.
std::pair<std::int64_t, std::int64_t> calculate_fan_in_and_fan_out(const Tensor& t);

void uniform_(Tensor& t, Generator& gen, double low = 0.0, double high = 1.0);
void normal_(Tensor& t, Generator& gen, double mean = 0.0, double stddev = 1.0);
void constant_(Tensor& t, double value);
void zeros_(Tensor& t);
void ones_(Tensor& t);
// a is leaky_relu's negative slope (used only with kLeakyRelu), as in PyTorch.
void kaiming_uniform_(Tensor& t, Generator& gen, double a = 0.0, FanMode mode = FanMode::kFanIn,
                      Nonlinearity nonlinearity = Nonlinearity::kLeakyRelu);
void kaiming_normal_(Tensor& t, Generator& gen, double a = 0.0, FanMode mode = FanMode::kFanIn,
                     Nonlinearity nonlinearity = Nonlinearity::kLeakyRelu);
void xavier_uniform_(Tensor& t, Generator& gen, double gain = 1.0);
void xavier_normal_(Tensor& t, Generator& gen, double gain = 1.0);
// t with 2 or more dims (torch.nn.init.orthogonal_).
void orthogonal_(Tensor& t, Generator& gen, double gain = 1.0);

namespace detail {
// What orthogonal_ makes of the normal draw `normal` [rows, cols]: float64 [rows, cols]. Exposed
// so the tests can feed it PyTorch's draw.
Tensor orthogonal_from_normal(const Tensor& normal, double gain);
}  // namespace detail

// PyTorch's default for Linear and Conv2d: weight kaiming_uniform_(a = sqrt 5), then (when
// bias is defined) bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)), in that order.
void default_linear_init_(Tensor& weight, Tensor* bias, Generator& gen);

}  // namespace minidl::nn::init
