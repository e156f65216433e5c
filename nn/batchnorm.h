// Batch normalisation (PyTorch's nn.BatchNorm1d / nn.BatchNorm2d; Ioffe & Szegedy 2015).
//
// Shapes: BatchNorm1d takes [N, C] or [N, C, L]; BatchNorm2d takes [N, C, H, W]. Statistics are
// per channel C, over every other axis (n = N, N L or N H W values per channel).
//
//   training:  mu = mean(x),  s2 = mean((x - mu)^2)            (biased: what normalises)
//              y  = (x - mu) / sqrt(s2 + eps) * weight + bias
//              running_mean = (1 - m) running_mean + m mu
//              running_var  = (1 - m) running_var  + m s2 n / (n - 1)   (unbiased estimate)
//              num_batches_tracked += 1
//   eval:      y  = (x - running_mean) / sqrt(running_var + eps) * weight + bias
// m is the momentum (default 0.1, PyTorch's convention: the weight of the new batch, not of the
// old average); with momentum = nullopt the running statistics are the cumulative average,
// m = 1 / num_batches_tracked. Defaults: eps 1e-5, affine (weight ones, bias zeros), running
// statistics tracked (running_mean zeros, running_var ones). Without tracking, batch statistics
// are used in eval mode too and there are no buffers. Training needs n > 1 (as in PyTorch).
// The forward is one fused op, batch_norm_fused (autograd/norm_ops.cpp on tensor/batch_norm.cpp's
// kernels); gradients flow through mu and s2, and under create_graph its backward is composed
// from autograd ops, so any order is available.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "nn/module.h"

namespace minidl::nn {

struct BatchNormOptions {
  double eps = 1e-5;
  std::optional<double> momentum = 0.1;
  bool affine = true;
  bool track_running_stats = true;
};

// The shared implementation; use BatchNorm1d or BatchNorm2d.
class BatchNorm : public Module {
 public:
  Variable forward(const Variable& input) override;
  std::string extra_repr() const override;

  std::int64_t num_features() const { return num_features_; }
  // Undefined when not affine / not tracking.
  Variable weight() const { return weight_ ? *weight_ : Variable(); }
  Variable bias() const { return bias_ ? *bias_ : Variable(); }
  Tensor running_mean() const { return running_mean_ ? running_mean_->value() : Tensor(); }
  Tensor running_var() const { return running_var_ ? running_var_->value() : Tensor(); }
  std::int64_t num_batches_tracked() const;

 protected:
  BatchNorm(const char* type_name, std::int64_t num_features, const BatchNormOptions& options,
            std::int64_t min_rank, std::int64_t max_rank, const char* shape_legend);

 private:
  void update_running_stats(const Tensor& batch_mean, const Tensor& batch_var, std::int64_t n);

  std::int64_t num_features_;
  BatchNormOptions options_;
  std::int64_t min_rank_, max_rank_;
  const char* shape_legend_;
  Variable* weight_ = nullptr;
  Variable* bias_ = nullptr;
  Variable* running_mean_ = nullptr;
  Variable* running_var_ = nullptr;
  Variable* num_batches_tracked_ = nullptr;
};

class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(std::int64_t num_features, const BatchNormOptions& options = {});
};

class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(std::int64_t num_features, const BatchNormOptions& options = {});
};

}  // namespace minidl::nn
