#include "nn/upsample.h"

#include <sstream>

namespace minidl::nn {

Upsample::Upsample(double scale_factor, UpsampleMode mode)
    : Upsample(UpsampleOptions{.scale_factor = std::array<double, 2>{scale_factor, scale_factor},
                               .mode = mode}) {}

Upsample::Upsample(const UpsampleOptions& options) : Module("Upsample"), options_(options) {
  MINIDL_CHECK(options.size.has_value() != options.scale_factor.has_value(),
               "Upsample: give exactly one of size and scale_factor");
  MINIDL_CHECK(options.mode == UpsampleMode::kBilinear || !options.align_corners.has_value(),
               "Upsample: align_corners can only be set with the bilinear mode");
  if (options.size)
    MINIDL_CHECK((*options.size)[0] >= 1 && (*options.size)[1] >= 1, "Upsample: size ",
                 (*options.size)[0], "x", (*options.size)[1], " must be >= 1");
  if (options.scale_factor)
    MINIDL_CHECK((*options.scale_factor)[0] > 0 && (*options.scale_factor)[1] > 0,
                 "Upsample: scale_factor ", (*options.scale_factor)[0], "x",
                 (*options.scale_factor)[1], " must be positive");
}

Variable Upsample::forward(const Variable& input) { return upsample(input, options_); }

// Like PyTorch's: "scale_factor=2, mode=nearest" or "size=(7, 9), mode=bilinear".
std::string Upsample::extra_repr() const {
  std::ostringstream s;
  if (options_.size) {
    const auto& v = *options_.size;
    s << "size=";
    if (v[0] == v[1])
      s << v[0];
    else
      s << "(" << v[0] << ", " << v[1] << ")";
  } else {
    const auto& v = *options_.scale_factor;
    s << "scale_factor=";
    if (v[0] == v[1])
      s << v[0];
    else
      s << "(" << v[0] << ", " << v[1] << ")";
  }
  s << ", mode=" << upsample_mode_name(options_.mode);
  if (options_.align_corners)
    s << ", align_corners=" << (*options_.align_corners ? "true" : "false");
  return s.str();
}

}  // namespace minidl::nn
