// calibration: ECE, MCE, the reliability bins, NLL and Brier on hand-worked cases.
#include "metrics/calibration.h"

#include <doctest/doctest.h>

#include <cmath>

#include "tensor/error.h"

namespace minidl::metrics {
namespace {

Tensor probs(std::vector<double> v, std::int64_t c) {
  const auto n = static_cast<std::int64_t>(v.size()) / c;
  return from_vector(v, {n, c});
}
Tensor labels(std::vector<std::int64_t> v) { return from_vector(v); }

TEST_CASE("calibration: hand-worked ECE, MCE and bins") {
  // Confidences 0.9, 0.8, 0.6, 0.55 with 5 bins of width 0.2:
  //   (0.8, 1.0]: 0.9 (right)                 acc 1,   conf 0.9   gap 0.1
  //   (0.6, 0.8]: 0.8 (wrong)                 acc 0,   conf 0.8   gap 0.8
  //   (0.4, 0.6]: 0.6 (right), 0.55 (wrong)   acc 0.5, conf 0.575 gap 0.075
  const Tensor p = probs({0.9, 0.1, 0.2, 0.8, 0.6, 0.4, 0.45, 0.55}, 2);
  const Calibration cal = calibration(p, labels({0, 0, 0, 0}), 5);
  CHECK(cal.bins.size() == 5);
  CHECK(cal.bins[4].count == 1);
  CHECK(cal.bins[3].count == 1);
  CHECK(cal.bins[2].count == 2);
  CHECK(cal.bins[2].confidence == doctest::Approx(0.575));
  CHECK(cal.bins[2].accuracy == doctest::Approx(0.5));
  CHECK(cal.bins[0].count == 0);
  CHECK(cal.bins[1].lower == doctest::Approx(0.2));
  CHECK(cal.bins[1].upper == doctest::Approx(0.4));
  CHECK(cal.ece == doctest::Approx(0.25 * 0.1 + 0.25 * 0.8 + 0.5 * 0.075));
  CHECK(cal.mce == doctest::Approx(0.8));
  CHECK(cal.accuracy == doctest::Approx(0.5));
  CHECK(cal.nll ==
        doctest::Approx(-(std::log(0.9) + std::log(0.2) + std::log(0.6) + std::log(0.45)) / 4));
  // Brier: sum_c (p_c - onehot_c)^2 per row = 2 (1 - p_y)^2 for two classes.
  CHECK(cal.brier == doctest::Approx((2 * 0.01 + 2 * 0.64 + 2 * 0.16 + 2 * 0.3025) / 4));
  CHECK(expected_calibration_error(p, labels({0, 0, 0, 0}), 5) == doctest::Approx(cal.ece));
}

TEST_CASE("calibration: a confidence on a bin edge goes to the lower bin; perfect calibration") {
  // 0.6 with 5 bins lies in (0.4, 0.6], not (0.6, 0.8].
  const Calibration edge = calibration(probs({0.6, 0.4}, 2), labels({0}), 5);
  CHECK(edge.bins[2].count == 1);
  // Four samples at 0.75 confidence, three right: acc = conf, ECE 0.
  const Tensor p = probs({0.75, 0.25, 0.75, 0.25, 0.25, 0.75, 0.75, 0.25}, 2);
  CHECK(expected_calibration_error(p, labels({0, 0, 1, 1}), 10) == doctest::Approx(0.0));
}

TEST_CASE("calibration: errors name the op and the values") {
  CHECK_THROWS_WITH_AS(calibration(probs({0.5, 0.5}, 2), labels({2})),
                       doctest::Contains("calibration: label 2 at index 0 is outside [0, 2)"),
                       Error);
  CHECK_THROWS_WITH_AS(calibration(probs({1.5, -0.5}, 2), labels({0})),
                       doctest::Contains("calibration: probability 1.5 at [0, 0]"), Error);
  CHECK_THROWS_WITH_AS(calibration(probs({0.5, 0.5}, 2), labels({0, 1})),
                       doctest::Contains("calibration: labels must be int64 [1], got int64 [2]"),
                       Error);
  CHECK_THROWS_WITH_AS(calibration(probs({0.5, 0.5}, 2), labels({0}), 0),
                       doctest::Contains("calibration: num_bins must be >= 1, got 0"), Error);
}

}  // namespace
}  // namespace minidl::metrics
