#include "nn/pooling.h"

#include "autograd/conv.h"

namespace minidl::nn {
namespace {

void check_input(const Variable& x, const char* layer) {
  MINIDL_CHECK(x.dim() == 4, layer, ": needs an input of shape [N, C, H, W], got ",
               shape_str(x.shape()));
  MINIDL_CHECK(is_floating(x.dtype()), layer, ": needs a floating input, got ",
               dtype_name(x.dtype()));
}

void check_window(const char* layer, Size2 kernel, Size2 stride, Size2 padding) {
  MINIDL_CHECK(kernel.h > 0 && kernel.w > 0, layer, ": kernel_size ", kernel.str(),
               " must be positive");
  MINIDL_CHECK(stride.h > 0 && stride.w > 0, layer, ": stride ", stride.str(), " must be positive");
  // PyTorch's rule: padding at most half the kernel, so no window sees only padding.
  MINIDL_CHECK(
      padding.h >= 0 && padding.w >= 0 && 2 * padding.h <= kernel.h && 2 * padding.w <= kernel.w,
      layer, ": padding ", padding.str(), " must be between 0 and half the kernel size ",
      kernel.str());
}

std::string window_repr(Size2 kernel, Size2 stride, Size2 padding) {
  return "kernel_size=" + kernel.str() + ", stride=" + stride.str() + ", padding=" + padding.str();
}

}  // namespace

MaxPool2d::MaxPool2d(Size2 kernel_size, const MaxPool2dOptions& options)
    : Module("MaxPool2d"), kernel_size_(kernel_size), options_(options) {
  if (options_.stride.h == 0 && options_.stride.w == 0) options_.stride = kernel_size;
  check_window("MaxPool2d", kernel_size, options_.stride, options_.padding);
  MINIDL_CHECK(options.dilation.h > 0 && options.dilation.w > 0, "MaxPool2d: dilation ",
               options.dilation.str(), " must be positive");
}

Variable MaxPool2d::forward(const Variable& input) {
  check_input(input, "MaxPool2d");
  Pool2dOptions o;
  o.kernel_size = kernel_size_.pair();
  o.stride = options_.stride.pair();
  o.padding = options_.padding.pair();
  o.dilation = options_.dilation.pair();
  o.ceil_mode = options_.ceil_mode;
  return max_pool2d(input, o);
}

std::string MaxPool2d::extra_repr() const {
  return window_repr(kernel_size_, options_.stride, options_.padding) +
         ", dilation=" + options_.dilation.str() +
         ", ceil_mode=" + (options_.ceil_mode ? "true" : "false");
}

AvgPool2d::AvgPool2d(Size2 kernel_size, const AvgPool2dOptions& options)
    : Module("AvgPool2d"), kernel_size_(kernel_size), options_(options) {
  if (options_.stride.h == 0 && options_.stride.w == 0) options_.stride = kernel_size;
  check_window("AvgPool2d", kernel_size, options_.stride, options_.padding);
}

Variable AvgPool2d::forward(const Variable& input) {
  check_input(input, "AvgPool2d");
  Pool2dOptions o;
  o.kernel_size = kernel_size_.pair();
  o.stride = options_.stride.pair();
  o.padding = options_.padding.pair();
  o.ceil_mode = options_.ceil_mode;
  o.count_include_pad = options_.count_include_pad;
  return avg_pool2d(input, o);
}

std::string AvgPool2d::extra_repr() const {
  return window_repr(kernel_size_, options_.stride, options_.padding) +
         ", ceil_mode=" + (options_.ceil_mode ? "true" : "false") +
         ", count_include_pad=" + (options_.count_include_pad ? "true" : "false");
}

Variable GlobalAvgPool2d::forward(const Variable& input) {
  check_input(input, "GlobalAvgPool2d");
  return global_avg_pool2d(input);
}

}  // namespace minidl::nn
