// Pieces the imbalance losses share (internal to losses/imbalance/).
#pragma once

#include "autograd/variable.h"

namespace minidl::losses::detail {

// b^gamma for a modulating factor b in [0, 1], b first raised to the smallest normal number of
// its dtype: b^(gamma-1) is infinite at b = 0 for gamma < 1, and 0 * inf would turn the
// gradient into NaN. For gamma >= 1 nothing changes (the clamped base underflows to the same 0).
Variable modulating_factor(const Variable& b, double gamma);

}  // namespace minidl::losses::detail
