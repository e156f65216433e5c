#include "metrics/mode_coverage.h"

#include <doctest/doctest.h>

#include "tensor/error.h"

namespace minidl::metrics {
namespace {

TEST_CASE("mode_coverage: counts within the radius, covered at 1% of all samples") {
  const Tensor centres = from_vector(std::vector<double>{0, 0, 1, 0, 0, 1}, {3, 2});
  // 100 samples: 90 at (0, 0.05), 1 at (1.09, 0) (inside), 9 at (5, 5) (far from everything).
  std::vector<double> v;
  for (int i = 0; i < 90; ++i) v.insert(v.end(), {0.0, 0.05});
  v.insert(v.end(), {1.09, 0.0});
  for (int i = 0; i < 9; ++i) v.insert(v.end(), {5.0, 5.0});
  const ModeCoverage m = mode_coverage(from_vector(v, {100, 2}), centres);
  CHECK(m.modes_total == 3);
  CHECK(m.counts == std::vector<std::int64_t>{90, 1, 0});
  CHECK(m.modes_covered == 2);  // 1 of 100 is exactly 1%
  CHECK(m.high_quality == doctest::Approx(0.91));
  CHECK(mode_coverage(from_vector(v, {100, 2}), centres, {.min_share = 0.02}).modes_covered == 1);
}

TEST_CASE("mode_coverage: errors name the measure") {
  CHECK_THROWS_WITH_AS(mode_coverage(zeros({3, 2}), zeros({2, 3})),
                       doctest::Contains("mode_coverage: needs samples [N, D] and centres [M, D]"),
                       Error);
  CHECK_THROWS_WITH_AS(mode_coverage(zeros({0, 2}), zeros({2, 2})),
                       doctest::Contains("mode_coverage: no samples"), Error);
}

}  // namespace
}  // namespace minidl::metrics
