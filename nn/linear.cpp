#include "nn/linear.h"

#include "autograd/ops.h"
#include "nn/init.h"

namespace minidl::nn {

Linear::Linear(std::int64_t in_features, std::int64_t out_features, Generator& gen,
               const LinearOptions& options)
    : Module("Linear"), in_features_(in_features), out_features_(out_features) {
  MINIDL_CHECK(in_features > 0 && out_features > 0, "Linear: in_features (", in_features,
               ") and out_features (", out_features, ") must be positive");
  weight_ = &register_parameter("weight", empty({out_features, in_features}));
  if (options.bias) bias_ = &register_parameter("bias", empty({out_features}));
  init::default_linear_init_(weight_->value(), bias_ ? &bias_->value() : nullptr, gen);
}

void Linear::check_input(const Variable& input) const {
  MINIDL_CHECK(input.defined() && input.dim() >= 1, "Linear: needs an input of shape [..., ",
               in_features_, "], got ",
               input.defined() ? shape_str(input.shape()) : std::string("undefined"));
  MINIDL_CHECK(input.size(-1) == in_features_, "Linear: input has ", input.size(-1),
               " features but the layer expects ", in_features_, " (input ",
               shape_str(input.shape()), ")");
  MINIDL_CHECK(input.dtype() == weight_->dtype(), "Linear: input is ", dtype_name(input.dtype()),
               " but the weights are ", dtype_name(weight_->dtype()),
               " (convert the input, or the model with to())");
}

Variable Linear::forward(const Variable& input) {
  check_input(input);
  // A batch of rows with a bias is one addmm node, as in PyTorch's F.linear (AddmmBackward0): the
  // bias is preloaded into the output and the GEMM adds x W^T to it.
  if (bias_ && input.dim() == 2) return addmm(*bias_, input, *weight_, false, true);
  Variable y = matmul(input, *weight_, false, true);
  return bias_ ? add(y, *bias_) : y;
}

Variable Linear::forward_relu(const Variable& input) {
  if (!bias_ || !input.defined() || input.dim() != 2) return relu(forward(input));
  check_input(input);
  return addmm_relu(*bias_, input, *weight_, false, true);
}

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_features_) +
         ", out_features=" + std::to_string(out_features_) + ", bias=" + (bias_ ? "true" : "false");
}

}  // namespace minidl::nn
