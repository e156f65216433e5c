#include "train/reliability_plot.h"

#include <cstdio>

#include "tensor/error.h"
#include "train/plplot.h"

namespace minidl::train {
namespace {

constexpr PLINT kBackground = 0, kInk = 1, kGrid = 2, kDiagonal = 3, kFirstLine = 4;
constexpr int kMaxCurves = 6;

struct Prepared {
  std::vector<std::vector<PLFLT>> x, y;  // per curve, its non-empty bins
  std::vector<std::string> labels;
  const ReliabilityPlotOptions& options;
};

void setup() {
  // White, ink, grid, the diagonal, then six Tableau colours for the curves.
  const PLINT r[10] = {255, 25, 224, 150, 31, 255, 44, 214, 148, 140};
  const PLINT g[10] = {255, 25, 224, 150, 119, 127, 160, 39, 103, 86};
  const PLINT b[10] = {255, 25, 224, 150, 180, 14, 44, 40, 189, 75};
  plscmap0(r, g, b, 10);
}

void draw(const Prepared& p) {
  pladv(0);
  plschr(0, 0.95);
  plvpor(0.1, 0.95, 0.1, p.options.title.empty() ? 0.93 : 0.88);
  plwind(0, 1, 0, 1);
  plcol0(kGrid);
  plbox("g", 0.1, 0, "g", 0.1, 0);
  const PLFLT diag[2] = {0, 1};
  plcol0(kDiagonal);
  pllsty(2);
  plline(2, diag, diag);
  pllsty(1);
  const PLINT n = static_cast<PLINT>(p.x.size());
  for (PLINT c = 0; c < n; ++c) {
    plcol0(kFirstLine + c);
    plwidth(2.0);
    const auto m = static_cast<PLINT>(p.x[c].size());
    plline(m, p.x[c].data(), p.y[c].data());
    plschr(0, 0.6);
    plstring(m, p.x[c].data(), p.y[c].data(), "\u25CF");
    plschr(0, 0.95);
  }
  plwidth(1.0);
  plcol0(kInk);
  plbox("bcnst", 0.1, 0, "bcnstv", 0.1, 0);
  pllab("mean confidence in the bin", "accuracy in the bin", p.options.title.c_str());

  PLINT opts[kMaxCurves + 1], colors[kMaxCurves + 1], styles[kMaxCurves + 1],
      text_colors[kMaxCurves + 1], numbers[kMaxCurves + 1];
  PLFLT widths[kMaxCurves + 1], scales[kMaxCurves + 1];
  const char* labels[kMaxCurves + 1];
  const char* symbols[kMaxCurves + 1];
  for (PLINT c = 0; c <= n; ++c) {
    opts[c] = PL_LEGEND_LINE | (c < n ? PL_LEGEND_SYMBOL : 0);
    colors[c] = c < n ? kFirstLine + c : kDiagonal;
    styles[c] = c < n ? 1 : 2;
    text_colors[c] = kInk;
    numbers[c] = 1;
    widths[c] = 2.0;
    scales[c] = 0.6;
    labels[c] = c < n ? p.labels[c].c_str() : "perfect calibration";
    symbols[c] = "\u25CF";
  }
  PLFLT legend_w = 0, legend_h = 0;
  pllegend(&legend_w, &legend_h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
           PL_POSITION_TOP | PL_POSITION_LEFT | PL_POSITION_INSIDE | PL_POSITION_VIEWPORT, 0.02,
           0.03, 0.08, kBackground, kInk, 1, 0, 0, n + 1, opts, 0.8, 0.9, 2.0, 0.0, text_colors,
           labels, nullptr, nullptr, nullptr, nullptr, colors, styles, widths, colors, scales,
           numbers, symbols);
}

}  // namespace

void plot_reliability(const std::vector<ReliabilityCurve>& curves, const std::string& png_path,
                      const ReliabilityPlotOptions& options) {
  constexpr const char* kOp = "reliability_plot";
  MINIDL_CHECK(!png_path.empty(), kOp, ": the output path is empty");
  MINIDL_CHECK(!curves.empty() && curves.size() <= kMaxCurves, kOp, ": needs 1 to ", kMaxCurves,
               " curves, got ", curves.size());
  MINIDL_CHECK(options.width >= 200 && options.height >= 150 && options.width <= 10000 &&
                   options.height <= 10000,
               kOp, ": size must be within 200x150 .. 10000x10000 pixels, got ", options.width, "x",
               options.height);
  Prepared p{{}, {}, {}, options};
  for (const ReliabilityCurve& curve : curves) {
    std::vector<PLFLT> x, y;
    for (const metrics::ReliabilityBin& bin : curve.calibration.bins) {
      if (bin.count == 0) continue;
      x.push_back(bin.confidence);
      y.push_back(bin.accuracy);
    }
    MINIDL_CHECK(!x.empty(), kOp, ": curve '", curve.label, "' has no non-empty bin");
    char ece[48];
    std::snprintf(ece, sizeof ece, " (ECE %.3f)", curve.calibration.ece);
    p.x.push_back(std::move(x));
    p.y.push_back(std::move(y));
    p.labels.push_back(curve.label + ece);
  }
  render_png(
      png_path, kOp, options.width, options.height, [&] { draw(p); }, [] { setup(); });
}

}  // namespace minidl::train
