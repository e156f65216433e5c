// Size2: a (height, width) pair for kernel sizes, strides, paddings and dilations that reads like
// PyTorch's int-or-tuple arguments: `3` means 3 x 3, `{3, 1}` means 3 high and 1 wide.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace minidl::nn {

struct Size2 {
  Size2(std::int64_t both) : h(both), w(both) {}  // NOLINT: implicit, like PyTorch's int form
  Size2(std::int64_t height, std::int64_t width) : h(height), w(width) {}
  std::array<std::int64_t, 2> pair() const { return {h, w}; }
  // "3" when square, "(3, 1)" otherwise, as PyTorch prints them.
  std::string str() const {
    return h == w ? std::to_string(h) : "(" + std::to_string(h) + ", " + std::to_string(w) + ")";
  }
  std::int64_t h, w;
};

}  // namespace minidl::nn
