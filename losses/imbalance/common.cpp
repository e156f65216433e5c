#include "losses/imbalance/common.h"

#include <limits>

#include "autograd/functional.h"
#include "autograd/ops.h"

namespace minidl::losses::detail {

Variable modulating_factor(const Variable& b, double gamma) {
  const double tiny = b.dtype() == kFloat32 ? std::numeric_limits<float>::min()
                                            : std::numeric_limits<double>::min();
  return pow(clamp(b, tiny, std::nullopt), gamma);
}

}  // namespace minidl::losses::detail
