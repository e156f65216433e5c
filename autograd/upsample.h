// Upsampling of [N, C, H, W] images, as torch.nn.functional.interpolate (modes "nearest" and
// "bilinear"), composed from index_select, mul and add, so it is differentiable to any order.
//
// The output size is `size`, or floor(in * scale_factor) per axis (exactly one of the two). Each
// output index dst reads source coordinates computed as PyTorch's CPU kernels do, with
//   scale = 1 / scale_factor when a scale factor was given, else in / out
// (so scale_factor 1.5 and the equivalent size can differ, as in PyTorch):
//   nearest:   src = min(floor(dst * scale), in - 1)   in float arithmetic whatever the dtype
//              (PyTorch's floorf), except src = dst when out = in and dst / 2 when out = 2 in
//   bilinear:  align_corners: src = dst (in - 1) / (out - 1)   (0 when out = 1)
//              otherwise:     src = max((dst + 0.5) scale - 0.5, 0)
//              i0 = floor(src), i1 = min(i0 + 1, in - 1), l1 = src - i0, l0 = 1 - l1
//              out = l0h (l0w x[i0h, i0w] + l1w x[i0h, i1w]) + l1h (l0w x[i1h, i0w] + l1w x[i1h,
//              i1w])
// Bilinear coordinates are computed in the input's dtype (float32 or float64), as PyTorch's opmath.
// Defined in autograd/upsample.cpp.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "autograd/variable.h"

namespace minidl {

enum class UpsampleMode { kNearest, kBilinear };

struct UpsampleOptions {
  std::optional<std::array<std::int64_t, 2>> size = std::nullopt;  // {H_out, W_out}
  std::optional<std::array<double, 2>> scale_factor = std::nullopt;
  UpsampleMode mode = UpsampleMode::kNearest;
  // Bilinear only (PyTorch refuses it with nearest); unset means false.
  std::optional<bool> align_corners = std::nullopt;
};

Variable upsample(const Variable& input, const UpsampleOptions& options);

// "nearest" / "bilinear", and back (throws naming the op on anything else).
const char* upsample_mode_name(UpsampleMode mode);
UpsampleMode upsample_mode_from_name(const std::string& name);

}  // namespace minidl
