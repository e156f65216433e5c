// Flatten: merges axes start_dim..end_dim into one (PyTorch's nn.Flatten, defaults 1 and -1), so
// [N, C, H, W] -> [N, C*H*W] between a convolutional block and a classifier.
// Unflatten: its inverse, splits axis dim into sizes (PyTorch's nn.Unflatten), so
// [N, C*H*W] -> [N, C, H, W] between a generator's linear layer and its transposed convolutions.
#pragma once

#include <cstdint>
#include <string>

#include "nn/module.h"

namespace minidl::nn {

class Flatten : public Module {
 public:
  explicit Flatten(std::int64_t start_dim = 1, std::int64_t end_dim = -1);
  Variable forward(const Variable& input) override;
  // Rows stay rows when the batch axis is not merged (a negative start_dim may reach it).
  bool samplewise() const override { return start_dim_ >= 1 && is_exactly(*this); }
  std::string extra_repr() const override;

 private:
  std::int64_t start_dim_, end_dim_;
};

class Unflatten : public Module {
 public:
  // sizes: the new axes, their product = the size of axis dim (one entry may be -1, inferred).
  Unflatten(std::int64_t dim, Shape sizes);
  Variable forward(const Variable& input) override;
  bool samplewise() const override { return dim_ >= 1 && is_exactly(*this); }
  std::string extra_repr() const override;

 private:
  std::int64_t dim_;
  Shape sizes_;
};

}  // namespace minidl::nn
