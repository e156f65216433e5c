#include "nn/batchnorm.h"

#include <sstream>

#include "autograd/functional.h"
#include "autograd/tape.h"
#include "tensor/ops.h"

namespace minidl::nn {

BatchNorm::BatchNorm(const char* type_name, std::int64_t num_features,
                     const BatchNormOptions& options, std::int64_t min_rank, std::int64_t max_rank,
                     const char* shape_legend)
    : Module(type_name),
      num_features_(num_features),
      options_(options),
      min_rank_(min_rank),
      max_rank_(max_rank),
      shape_legend_(shape_legend) {
  MINIDL_CHECK(num_features > 0, type_name, ": num_features must be positive, got ", num_features);
  MINIDL_CHECK(options.eps > 0, type_name, ": eps must be positive, got ", options.eps);
  MINIDL_CHECK(!options.momentum || (*options.momentum >= 0 && *options.momentum <= 1), type_name,
               ": momentum must be in [0, 1], got ", options.momentum.value_or(0));
  if (options.affine) {
    weight_ = &register_parameter("weight", ones({num_features}));
    bias_ = &register_parameter("bias", zeros({num_features}));
  }
  if (options.track_running_stats) {
    running_mean_ = &register_buffer("running_mean", zeros({num_features}));
    running_var_ = &register_buffer("running_var", ones({num_features}));
    num_batches_tracked_ = &register_buffer("num_batches_tracked", zeros({}, kInt64));
  }
}

BatchNorm1d::BatchNorm1d(std::int64_t num_features, const BatchNormOptions& options)
    : BatchNorm("BatchNorm1d", num_features, options, 2, 3, "[N, C] or [N, C, L]") {}

BatchNorm2d::BatchNorm2d(std::int64_t num_features, const BatchNormOptions& options)
    : BatchNorm("BatchNorm2d", num_features, options, 4, 4, "[N, C, H, W]") {}

std::int64_t BatchNorm::num_batches_tracked() const {
  return num_batches_tracked_ ? static_cast<std::int64_t>(num_batches_tracked_->value().item()) : 0;
}

Variable BatchNorm::forward(const Variable& x) {
  const std::string& name = type_name();
  MINIDL_CHECK(x.dim() >= min_rank_ && x.dim() <= max_rank_, name, ": needs an input of shape ",
               shape_legend_, ", got ", shape_str(x.shape()));
  MINIDL_CHECK(x.size(1) == num_features_, name, ": input has ", x.size(1),
               " channels but the layer expects ", num_features_, " (input ", shape_str(x.shape()),
               ")");
  DType param_dtype = weight_         ? weight_->dtype()
                      : running_mean_ ? running_mean_->dtype()
                                      : x.dtype();
  MINIDL_CHECK(x.dtype() == param_dtype, name, ": input is ", dtype_name(x.dtype()),
               " but the layer is ", dtype_name(param_dtype),
               " (convert the input, or the model with to())");

  // One fused op (autograd/norm_ops.cpp): batch statistics in training, or without running
  // statistics; else the running ones.
  const bool batch_stats = is_training() || !options_.track_running_stats;
  const std::int64_t n = x.numel() / num_features_;
  MINIDL_CHECK(!is_training() || n > 1, name,
               ": expected more than 1 value per channel when training, got input ",
               shape_str(x.shape()));
  Tensor stat_mean, stat_invstd;
  if (!batch_stats) {
    stat_mean = running_mean_->value();
    stat_invstd = rsqrt(add(running_var_->value(), options_.eps));
  }
  const bool update = is_training() && options_.track_running_stats;
  Tensor batch_mean, batch_var;
  Variable y = batch_norm_fused(x, weight(), bias(), stat_mean, stat_invstd, options_.eps,
                                update ? &batch_mean : nullptr, update ? &batch_var : nullptr);
  if (update) update_running_stats(batch_mean, batch_var, n);
  return y;
}

void BatchNorm::update_running_stats(const Tensor& batch_mean, const Tensor& batch_var,
                                     std::int64_t n) {
  num_batches_tracked_->value().data<std::int64_t>()[0] += 1;
  double m =
      options_.momentum ? *options_.momentum : 1.0 / static_cast<double>(num_batches_tracked());
  Tensor& rm = running_mean_->value();
  Tensor& rv = running_var_->value();
  Tensor unbiased =
      mul(batch_var.reshape({num_features_}), static_cast<double>(n) / static_cast<double>(n - 1));
  rm.copy_(add(mul(rm, 1.0 - m), mul(batch_mean.reshape({num_features_}), m)));
  rv.copy_(add(mul(rv, 1.0 - m), mul(unbiased, m)));
}

std::string BatchNorm::extra_repr() const {
  std::ostringstream os;
  os << num_features_ << ", eps=" << options_.eps << ", momentum=";
  if (options_.momentum)
    os << *options_.momentum;
  else
    os << "None";
  os << ", affine=" << (options_.affine ? "true" : "false")
     << ", track_running_stats=" << (options_.track_running_stats ? "true" : "false");
  return os.str();
}

}  // namespace minidl::nn
