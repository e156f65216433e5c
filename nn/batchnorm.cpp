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

  // Per-channel tensors broadcast as [1, C, 1, ...].
  Shape channel_shape(static_cast<std::size_t>(x.dim()), 1);
  channel_shape[1] = num_features_;
  Axes axes;
  for (std::int64_t a = 0; a < x.dim(); ++a)
    if (a != 1) axes.push_back(a);

  Variable xhat;
  if (is_training() || !options_.track_running_stats) {
    std::int64_t n = x.numel() / num_features_;
    MINIDL_CHECK(!is_training() || n > 1, name,
                 ": expected more than 1 value per channel when training, got input ",
                 shape_str(x.shape()));
    Variable mu = mean(x, axes, true);
    Variable d = sub(x, mu);
    Variable s2 = mean(mul(d, d), axes, true);
    xhat = mul(d, rsqrt(add(s2, options_.eps)));
    if (is_training() && options_.track_running_stats)
      update_running_stats(mu.value(), s2.value(), n);
  } else {
    Tensor rm = running_mean_->value().reshape(channel_shape);
    Tensor inv_std = rsqrt(add(running_var_->value(), options_.eps)).reshape(channel_shape);
    xhat = mul(sub(x, Variable(rm)), Variable(inv_std));
  }
  if (!options_.affine) return xhat;
  return add(mul(xhat, reshape(*weight_, channel_shape)), reshape(*bias_, channel_shape));
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
