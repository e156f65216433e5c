// LayerNorm (PyTorch's nn.LayerNorm; Ba et al. 2016): normalises each sample over its last
// k = normalized_shape.size() axes.
//
//   x [..., *normalized_shape] -> y of the same shape
//   mu = mean(x), s2 = mean((x - mu)^2) over the last k axes   (biased, as PyTorch)
//   y  = (x - mu) / sqrt(s2 + eps) * weight + bias          weight, bias [*normalized_shape]
// Defaults: eps 1e-5, elementwise_affine (weight ones, bias zeros). No running statistics: train
// and eval behave the same.
#pragma once

#include <string>

#include "nn/module.h"

namespace minidl::nn {

struct LayerNormOptions {
  double eps = 1e-5;
  bool elementwise_affine = true;
  bool bias = true;  // only with elementwise_affine
};

class LayerNorm : public Module {
 public:
  explicit LayerNorm(Shape normalized_shape, const LayerNormOptions& options = {});

  Variable forward(const Variable& input) override;
  bool samplewise() const override { return is_exactly(*this); }
  std::string extra_repr() const override;

  const Shape& normalized_shape() const { return normalized_shape_; }
  Variable weight() const { return weight_ ? *weight_ : Variable(); }
  Variable bias() const { return bias_ ? *bias_ : Variable(); }

 private:
  Shape normalized_shape_;
  LayerNormOptions options_;
  Variable* weight_ = nullptr;
  Variable* bias_ = nullptr;
};

}  // namespace minidl::nn
