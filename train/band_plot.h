// A prediction band as a PNG, drawn with PLplot (the "pngcairo" device, as train/plot.h):
// the data points as dots, a shaded band lower..upper along x (e.g. mean +- 2 std of a model's
// predictive distribution) with its mean as a line, and optionally the true curve, dashed.
// For 1-D regression studies: where the band widens, the model says it does not know.
// The PNG is rendered into a temporary file beside the target and renamed over it (atomic).
#pragma once

#include <limits>
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
  std::string points_label = "training data";
};

// points_x / points_y: the data (same length, may be empty). Throws minidl::Error "band_plot: ..."
// on mismatched lengths, fewer than 2 band points, a decreasing x, non-finite values, or when
// PLplot cannot write the file.
void plot_band(const std::vector<double>& points_x, const std::vector<double>& points_y,
               const Band& band, const std::string& png_path, const BandPlotOptions& options = {});

// Several bands per panel, panels side by side (a study's learning curves: one panel per
// environment, one band per method, e.g. the mean over seeds with the min..max band). Each band
// gets its own colour (the same label, the same colour in every panel), a translucent fill and
// its mean as a line; the legend sits in the first panel's top left corner; `target` draws a
// dashed horizontal line.
struct NamedBand {
  std::string label;
  std::vector<double> x = {}, mean = {}, lower = {}, upper = {};  // as Band
};
struct BandPanel {
  std::string title = "";
  std::string xlabel = "x", ylabel = "y";
  std::vector<NamedBand> bands = {};
  double target = std::numeric_limits<double>::quiet_NaN();  // NaN: none
};
struct BandPanelsOptions {
  int panel_width = 640;  // pixels per panel (the panels' own titles say what they show)
  int height = 480;
};
// Throws minidl::Error "band_plot: ..." as plot_band does, and on an empty panel list or a panel
// without bands (a band may have 1 point: drawn as a marker).
void plot_band_panels(const std::vector<BandPanel>& panels, const std::string& png_path,
                      const BandPanelsOptions& options = {});

}  // namespace minidl::train
