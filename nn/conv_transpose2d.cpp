#include "nn/conv_transpose2d.h"

#include "autograd/conv.h"
#include "nn/conv2d.h"
#include "nn/init.h"

namespace minidl::nn {

ConvTranspose2d::ConvTranspose2d(std::int64_t in_channels, std::int64_t out_channels,
                                 Size2 kernel_size, Generator& gen,
                                 const ConvTranspose2dOptions& options)
    : Module("ConvTranspose2d"),
      in_channels_(in_channels),
      out_channels_(out_channels),
      kernel_size_(kernel_size),
      options_(options) {
  const std::int64_t g = options.groups;
  MINIDL_CHECK(in_channels > 0 && out_channels > 0, "ConvTranspose2d: in_channels (", in_channels,
               ") and out_channels (", out_channels, ") must be positive");
  MINIDL_CHECK(g > 0 && in_channels % g == 0 && out_channels % g == 0, "ConvTranspose2d: groups ",
               g, " must divide in_channels ", in_channels, " and out_channels ", out_channels);
  MINIDL_CHECK(kernel_size.h > 0 && kernel_size.w > 0, "ConvTranspose2d: kernel_size ",
               kernel_size.str(), " must be positive");
  MINIDL_CHECK(options.stride.h > 0 && options.stride.w > 0, "ConvTranspose2d: stride ",
               options.stride.str(), " must be positive");
  MINIDL_CHECK(options.padding.h >= 0 && options.padding.w >= 0, "ConvTranspose2d: padding ",
               options.padding.str(), " must be non-negative");
  MINIDL_CHECK(options.dilation.h > 0 && options.dilation.w > 0, "ConvTranspose2d: dilation ",
               options.dilation.str(), " must be positive");
  const Size2& op = options.output_padding;
  MINIDL_CHECK(op.h >= 0 && op.w >= 0 && (op.h < options.stride.h || op.h < options.dilation.h) &&
                   (op.w < options.stride.w || op.w < options.dilation.w),
               "ConvTranspose2d: output_padding ", op.str(),
               " must be non-negative and smaller than either stride ", options.stride.str(),
               " or dilation ", options.dilation.str());
  weight_ = &register_parameter(
      "weight", empty({in_channels, out_channels / g, kernel_size.h, kernel_size.w}));
  if (options.bias) bias_ = &register_parameter("bias", empty({out_channels}));
  // fan_in from the weight as laid out (weight.size(1) * kH * kW), as PyTorch does.
  init::default_linear_init_(weight_->value(), bias_ ? &bias_->value() : nullptr, gen);
}

Variable ConvTranspose2d::forward(const Variable& input) {
  check_conv_input("ConvTranspose2d", input, in_channels_, *weight_);
  minidl::ConvTranspose2dOptions o;
  o.stride = options_.stride.pair();
  o.padding = options_.padding.pair();
  o.output_padding = options_.output_padding.pair();
  o.dilation = options_.dilation.pair();
  o.groups = options_.groups;
  return conv_transpose2d(input, *weight_, bias_ ? *bias_ : Variable(), o);
}

// In the style of Conv2d::extra_repr (PyTorch's order of settings).
std::string ConvTranspose2d::extra_repr() const {
  std::string s = std::to_string(in_channels_) + ", " + std::to_string(out_channels_) +
                  ", kernel_size=" + kernel_size_.str() + ", stride=" + options_.stride.str();
  if (options_.padding.h != 0 || options_.padding.w != 0)
    s += ", padding=" + options_.padding.str();
  if (options_.output_padding.h != 0 || options_.output_padding.w != 0)
    s += ", output_padding=" + options_.output_padding.str();
  if (options_.dilation.h != 1 || options_.dilation.w != 1)
    s += ", dilation=" + options_.dilation.str();
  if (options_.groups != 1) s += ", groups=" + std::to_string(options_.groups);
  if (!options_.bias) s += ", bias=false";
  return s;
}

}  // namespace minidl::nn
