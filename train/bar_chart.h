// Grouped bar charts as PNG, drawn with PLplot's cairo "pngcairo" device (as train/plot.h; no
// display needed). Used by the imbalance study to compare methods on a few metrics.
//
// Categories run along the x axis (e.g. training methods); each category has one bar per series
// (e.g. "macro-F1", "minority recall"), side by side, coloured by series with a legend. Each bar
// carries its value printed above it. The PNG is rendered into a temporary file beside the target
// and renamed over it (atomic).
#pragma once

#include <limits>
#include <string>
#include <vector>

namespace minidl::train {

struct BarSeries {
  std::string label;           // legend entry
  std::vector<double> values;  // one per category; NaN leaves the bar out
};

struct BarChartOptions {
  int width = 1200;  // pixels
  int height = 560;
  std::string title = "";   // above the chart; empty: none
  std::string ylabel = "";  // y axis label
  // y range; NaN means automatic: from min(0, smallest value) to 8% above the largest.
  double ymin = std::numeric_limits<double>::quiet_NaN();
  double ymax = std::numeric_limits<double>::quiet_NaN();
  int value_digits = 2;  // decimals of the value printed above each bar; < 0: none
};

// At least one category and 1..8 series, each with one value per category and at least one
// finite value overall.
void plot_bar_chart(const std::vector<std::string>& categories,
                    const std::vector<BarSeries>& series, const std::string& png_path,
                    const BarChartOptions& options = {});

}  // namespace minidl::train
