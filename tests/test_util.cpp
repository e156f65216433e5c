#include "tests/test_util.h"

#include <cmath>
#include <cstring>
#include <sstream>

namespace minidl::testing {

std::string compare(const Tensor& actual, const Tensor& expected, double rtol, double atol) {
  std::ostringstream os;
  if (!actual.defined() || !expected.defined()) return "undefined tensor in comparison";
  if (actual.shape() != expected.shape()) {
    os << "shape " << shape_str(actual.shape()) << " != expected " << shape_str(expected.shape());
    return os.str();
  }
  double worst = 0;
  std::int64_t worst_i = -1;
  for (std::int64_t i = 0; i < actual.numel(); ++i) {
    double a = actual.at(i), e = expected.at(i);
    if (std::isnan(a) && std::isnan(e)) continue;
    if (std::isinf(a) || std::isinf(e)) {
      if (a == e) continue;
      worst = INFINITY;
      worst_i = i;
      break;
    }
    double r = std::fabs(a - e) / (atol + rtol * std::fabs(e));
    if (!(r <= worst)) {
      worst = std::isnan(r) ? INFINITY : r;
      worst_i = i;
    }
  }
  if (worst <= 1.0) return "";
  os.precision(17);
  os << "mismatch at flat index " << worst_i << ": got " << actual.at(worst_i) << ", expected "
     << expected.at(worst_i) << " (rtol " << rtol << ", atol " << atol << ", shape "
     << shape_str(actual.shape()) << ")";
  return os.str();
}

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

}  // namespace minidl::testing
