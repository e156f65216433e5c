// Linear: a fully connected layer (PyTorch's nn.Linear).
//
//   y = x W^T + b
//   x [..., in_features] -> y [..., out_features];  W "weight" [out_features, in_features];
//   b "bias" [out_features]
// W is used through matmul's trans_b flag (BLAS reads it transposed), never copied transposed.
// Default init (PyTorch's): W ~ U(-1/sqrt(in), 1/sqrt(in)) via kaiming_uniform_(a = sqrt 5), and
// b ~ U(-1/sqrt(in), 1/sqrt(in)), drawn in that order from the generator.
#pragma once

#include <cstdint>

#include "nn/module.h"

namespace minidl::nn {

struct LinearOptions {
  bool bias = true;
};

class Linear : public Module {
 public:
  Linear(std::int64_t in_features, std::int64_t out_features, Generator& gen,
         const LinearOptions& options = {});

  Variable forward(const Variable& input) override;
  // relu(forward(input)) as one node (autograd addmm_relu) for a batch of rows [N, in_features]
  // with a bias; otherwise the two ops. nn::Sequential calls it for a Linear followed by a ReLU.
  Variable forward_relu(const Variable& input);
  bool samplewise() const override { return is_exactly(*this); }
  std::string extra_repr() const override;

  std::int64_t in_features() const { return in_features_; }
  std::int64_t out_features() const { return out_features_; }
  // Handles to the parameters (shared: writing weight().value() writes the layer's weight).
  Variable weight() const { return *weight_; }
  // Undefined without bias.
  Variable bias() const { return bias_ ? *bias_ : Variable(); }

 private:
  void check_input(const Variable& input) const;

  std::int64_t in_features_, out_features_;
  Variable* weight_ = nullptr;
  Variable* bias_ = nullptr;
};

}  // namespace minidl::nn
