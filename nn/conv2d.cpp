#include "nn/conv2d.h"

#include "autograd/conv.h"
#include "nn/init.h"

namespace minidl::nn {

Conv2d::Conv2d(std::int64_t in_channels, std::int64_t out_channels, Size2 kernel_size,
               Generator& gen, const Conv2dOptions& options)
    : Module("Conv2d"),
      in_channels_(in_channels),
      out_channels_(out_channels),
      kernel_size_(kernel_size),
      options_(options) {
  const std::int64_t g = options.groups;
  MINIDL_CHECK(in_channels > 0 && out_channels > 0, "Conv2d: in_channels (", in_channels,
               ") and out_channels (", out_channels, ") must be positive");
  MINIDL_CHECK(g > 0 && in_channels % g == 0 && out_channels % g == 0, "Conv2d: groups ", g,
               " must divide in_channels ", in_channels, " and out_channels ", out_channels);
  MINIDL_CHECK(kernel_size.h > 0 && kernel_size.w > 0, "Conv2d: kernel_size ", kernel_size.str(),
               " must be positive");
  MINIDL_CHECK(options.stride.h > 0 && options.stride.w > 0, "Conv2d: stride ",
               options.stride.str(), " must be positive");
  MINIDL_CHECK(options.padding.h >= 0 && options.padding.w >= 0, "Conv2d: padding ",
               options.padding.str(), " must be non-negative");
  MINIDL_CHECK(options.dilation.h > 0 && options.dilation.w > 0, "Conv2d: dilation ",
               options.dilation.str(), " must be positive");
  weight_ = &register_parameter(
      "weight", empty({out_channels, in_channels / g, kernel_size.h, kernel_size.w}));
  if (options.bias) bias_ = &register_parameter("bias", empty({out_channels}));
  init::default_linear_init_(weight_->value(), bias_ ? &bias_->value() : nullptr, gen);
}

Variable Conv2d::forward(const Variable& input) {
  check_conv_input("Conv2d", input, in_channels_, *weight_);
  minidl::Conv2dOptions o;
  o.stride = options_.stride.pair();
  o.padding = options_.padding.pair();
  o.dilation = options_.dilation.pair();
  o.groups = options_.groups;
  return conv2d(input, *weight_, bias_ ? *bias_ : Variable(), o);
}

void check_conv_input(const char* layer, const Variable& input, std::int64_t in_channels,
                      const Variable& weight) {
  MINIDL_CHECK(input.dim() == 4, layer, ": needs an input of shape [N, C, H, W], got ",
               shape_str(input.shape()));
  MINIDL_CHECK(input.size(1) == in_channels, layer, ": input has ", input.size(1),
               " channels but the layer expects ", in_channels, " (input ",
               shape_str(input.shape()), ")");
  MINIDL_CHECK(input.dtype() == weight.dtype(), layer, ": input is ", dtype_name(input.dtype()),
               " but the weights are ", dtype_name(weight.dtype()),
               " (convert the input, or the model with to())");
}

std::string Conv2d::extra_repr() const {
  std::string s = std::to_string(in_channels_) + ", " + std::to_string(out_channels_) +
                  ", kernel_size=" + kernel_size_.str() + ", stride=" + options_.stride.str();
  if (options_.padding.h != 0 || options_.padding.w != 0)
    s += ", padding=" + options_.padding.str();
  if (options_.dilation.h != 1 || options_.dilation.w != 1)
    s += ", dilation=" + options_.dilation.str();
  if (options_.groups != 1) s += ", groups=" + std::to_string(options_.groups);
  if (!options_.bias) s += ", bias=false";
  return s;
}

}  // namespace minidl::nn
