// A reliability diagram as a PNG (PLplot through train/plplot.h): for each model, the accuracy
// of its predictions against their mean confidence, bin by bin (metrics/calibration.h), with the
// diagonal a calibrated model lies on. Points below the diagonal are over-confident bins. Each
// curve joins its non-empty bins; the legend gives each model's ECE. Guo et al. (ICML 2017) draw
// one bar panel per model; one panel of lines compares several models at a glance.
// The PNG is rendered into a temporary file beside the target and renamed over it (atomic).
#pragma once

#include <string>
#include <vector>

#include "metrics/calibration.h"

namespace minidl::train {

struct ReliabilityCurve {
  std::string label;  // the legend entry ("MC dropout"); the ECE is appended
  metrics::Calibration calibration;
};

struct ReliabilityPlotOptions {
  int width = 900;  // pixels
  int height = 800;
  std::string title = "";
};

// 1..6 curves, each with at least one non-empty bin. Throws minidl::Error "reliability_plot: ..."
// otherwise, or when PLplot cannot write the file.
void plot_reliability(const std::vector<ReliabilityCurve>& curves, const std::string& png_path,
                      const ReliabilityPlotOptions& options = {});

}  // namespace minidl::train
