#include "nn/layernorm.h"

#include <sstream>

#include "autograd/functional.h"

namespace minidl::nn {

LayerNorm::LayerNorm(Shape normalized_shape, const LayerNormOptions& options)
    : Module("LayerNorm"), normalized_shape_(std::move(normalized_shape)), options_(options) {
  MINIDL_CHECK(!normalized_shape_.empty(), "LayerNorm: normalized_shape must not be empty");
  for (std::int64_t d : normalized_shape_)
    MINIDL_CHECK(d > 0, "LayerNorm: normalized_shape ", shape_str(normalized_shape_),
                 " must have positive sizes");
  MINIDL_CHECK(options.eps > 0, "LayerNorm: eps must be positive, got ", options.eps);
  if (options.elementwise_affine) {
    weight_ = &register_parameter("weight", ones(normalized_shape_));
    if (options.bias) bias_ = &register_parameter("bias", zeros(normalized_shape_));
  }
}

Variable LayerNorm::forward(const Variable& x) {
  const auto k = static_cast<std::int64_t>(normalized_shape_.size());
  bool fits = x.dim() >= k;
  for (std::int64_t i = 0; fits && i < k; ++i)
    fits = x.size(x.dim() - k + i) == normalized_shape_[static_cast<std::size_t>(i)];
  MINIDL_CHECK(fits, "LayerNorm: input ", shape_str(x.shape()),
               " does not end in normalized_shape ", shape_str(normalized_shape_));
  MINIDL_CHECK(!weight_ || x.dtype() == weight_->dtype(), "LayerNorm: input is ",
               dtype_name(x.dtype()), " but the layer is ",
               dtype_name(weight_ ? weight_->dtype() : x.dtype()),
               " (convert the input, or the model with to())");
  Axes axes;
  for (std::int64_t a = x.dim() - k; a < x.dim(); ++a) axes.push_back(a);
  Variable mu = mean(x, axes, true);
  Variable d = sub(x, mu);
  Variable s2 = mean(mul(d, d), axes, true);
  Variable y = mul(d, rsqrt(add(s2, options_.eps)));
  if (weight_) y = mul(y, *weight_);
  if (bias_) y = add(y, *bias_);
  return y;
}

std::string LayerNorm::extra_repr() const {
  std::ostringstream os;
  os << shape_str(normalized_shape_) << ", eps=" << options_.eps
     << ", elementwise_affine=" << (options_.elementwise_affine ? "true" : "false");
  return os.str();
}

}  // namespace minidl::nn
