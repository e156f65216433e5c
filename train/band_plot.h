// A prediction band as a PNG, drawn with PLplot (the "pngcairo" device, as train/plot.h):
// the data points as dots, a shaded band lower..upper along x (e.g. mean +- 2 std of a model's
// predictive distribution) with its mean as a line, and optionally the true curve, dashed.
// For 1-D regression studies: where the band widens, the model says it does not know.
// The PNG is rendered into a temporary file beside the target and renamed over it (atomic).
#pragma once

#include <string>
#include <vector>

namespace minidl::train {

struct Band {
  std::vector<double> x;             // increasing
  std::vector<double> mean;          // one per x
  std::vector<double> lower, upper;  // one per x, lower <= upper
  std::vector<double> truth = {};    // the true curve at x, or empty
};

struct BandPlotOptions {
  int width = 1000;  // pixels
  int height = 600;
  std::string title = "";
  std::string xlabel = "x";
  std::string ylabel = "y";
  std::string band_label = "mean +- 2 std";
  std::string mean_label = "predictive mean";
  std::string truth_label = "true function";
};

// points_x / points_y: the data (same length, may be empty). Throws minidl::Error "band_plot: ..."
// on mismatched lengths, fewer than 2 band points, a decreasing x, non-finite values, or when
// PLplot cannot write the file.
void plot_band(const std::vector<double>& points_x, const std::vector<double>& points_y,
               const Band& band, const std::string& png_path, const BandPlotOptions& options = {});

}  // namespace minidl::train
