// Mode coverage of samples against known mode centres (layer 3): the measures of the 2-D GAN
// toys (data/toy2d.h), after Srivastava et al. 2017 (VEEGAN) and Dumoulin et al.'s ring/grid
// conventions, with the thresholds of issue 10:
//   a sample is high quality when it lies within `radius` (default 0.1 = 5 std of the toys) of
//   some mode centre; a mode is covered when at least `min_share` (default 1%) of ALL samples lie
//   within `radius` of it.
// Samples [N, 2] (or [N, D] with centres [M, D]), any floating dtype; distances in float64.
#pragma once

#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace minidl::metrics {

struct ModeCoverageOptions {
  double radius = 0.1;
  double min_share = 0.01;
};

struct ModeCoverage {
  std::int64_t modes_covered = 0;
  std::int64_t modes_total = 0;
  double high_quality = 0;           // share of samples within radius of some mode, in [0, 1]
  std::vector<std::int64_t> counts;  // samples within radius of each mode
};

ModeCoverage mode_coverage(const Tensor& samples, const Tensor& centres,
                           const ModeCoverageOptions& options = {});

}  // namespace minidl::metrics
