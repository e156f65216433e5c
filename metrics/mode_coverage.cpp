#include "metrics/mode_coverage.h"

#include <cmath>
#include <limits>

#include "tensor/error.h"

namespace minidl::metrics {

ModeCoverage mode_coverage(const Tensor& samples, const Tensor& centres,
                           const ModeCoverageOptions& options) {
  constexpr const char* kOp = "mode_coverage";
  MINIDL_CHECK(samples.dim() == 2 && centres.dim() == 2 && samples.shape()[1] == centres.shape()[1],
               kOp, ": needs samples [N, D] and centres [M, D], got ", shape_str(samples.shape()),
               " and ", shape_str(centres.shape()));
  MINIDL_CHECK(samples.dtype() != kInt64 && centres.dtype() != kInt64, kOp,
               ": samples and centres must be floating");
  MINIDL_CHECK(samples.shape()[0] > 0 && centres.shape()[0] > 0, kOp, ": no samples or no centres");
  MINIDL_CHECK(options.radius > 0 && options.min_share >= 0 && options.min_share <= 1, kOp,
               ": radius must be > 0 and min_share in [0, 1], got ", options.radius, ", ",
               options.min_share);
  const Tensor x = samples.to(kFloat64), c = centres.to(kFloat64);
  const std::int64_t n = x.shape()[0], m = c.shape()[0], d = x.shape()[1];
  const double* xp = x.data<double>();
  const double* cp = c.data<double>();
  ModeCoverage out;
  out.modes_total = m;
  out.counts.assign(static_cast<std::size_t>(m), 0);
  const double r2 = options.radius * options.radius;
  std::int64_t good = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    double best = std::numeric_limits<double>::infinity();
    std::int64_t best_k = -1;
    for (std::int64_t k = 0; k < m; ++k) {
      double s = 0;
      for (std::int64_t j = 0; j < d; ++j) {
        const double t = xp[i * d + j] - cp[k * d + j];
        s += t * t;
      }
      if (s < best) {
        best = s;
        best_k = k;
      }
    }
    // The nearest centre is the one a sample within radius belongs to (modes further apart than
    // 2 radius, as in the toys, have disjoint balls).
    if (best <= r2) {
      ++good;
      ++out.counts[static_cast<std::size_t>(best_k)];
    }
  }
  out.high_quality = static_cast<double>(good) / static_cast<double>(n);
  for (std::int64_t k = 0; k < m; ++k)
    if (const auto c_k = out.counts[static_cast<std::size_t>(k)];
        c_k > 0 && static_cast<double>(c_k) >= options.min_share * static_cast<double>(n))
      ++out.modes_covered;
  return out;
}

}  // namespace minidl::metrics
