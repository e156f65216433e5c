// Upsample: PyTorch's nn.Upsample over [N, C, H, W], modes "nearest" and "bilinear" (the
// computation and its index conventions are autograd/upsample.h's upsample).
//
//   y [N, C, H_out, W_out], H_out = size_h or floor(H * scale_factor_h)   (likewise W)
//   nearest:  y[.., i, j] = x[.., min(floor(i * sh), H - 1), min(floor(j * sw), W - 1)]
//   bilinear: the weighted mean of the 4 pixels around the source point (align_corners maps the
//             corner pixels' centres onto each other; otherwise the pixel areas are aligned)
//   with sh = 1 / scale_factor_h when a scale factor is given, else H / H_out.
// No parameters; differentiable to any order. Typical use: Upsample(2.0) then a 3x3 Conv2d in a
// generator, which avoids the checkerboard artefacts of strided ConvTranspose2d.
#pragma once

#include <string>

#include "autograd/upsample.h"
#include "nn/module.h"

namespace minidl::nn {

// The layer's settings are the function's (minidl::UpsampleOptions, autograd/upsample.h).

class Upsample : public Module {
 public:
  // The common case: a scale factor for both axes.
  explicit Upsample(double scale_factor, UpsampleMode mode = UpsampleMode::kNearest);
  explicit Upsample(const UpsampleOptions& options);

  Variable forward(const Variable& input) override;
  bool samplewise() const override { return is_exactly(*this); }
  std::string extra_repr() const override;

 private:
  UpsampleOptions options_;
};

}  // namespace minidl::nn
