#include "train/band_plot.h"

#include <algorithm>
#include <cmath>

#include "tensor/error.h"
#include "train/plplot.h"

namespace minidl::train {
namespace {

// cmap0 slots: background, ink, band fill, mean line, data points, true curve, frame grid.
enum Color : PLINT { kBackground = 0, kInk, kFill, kMean, kPoints, kTruth, kGrid };

struct Limits {
  PLFLT xmin, xmax, ymin, ymax;
};

Limits limits(const std::vector<double>& px, const std::vector<double>& py, const Band& b) {
  PLFLT xlo = b.x.front(), xhi = b.x.back(), ylo = INFINITY, yhi = -INFINITY;
  for (std::size_t i = 0; i < b.x.size(); ++i) {
    ylo = std::min({ylo, b.lower[i], b.mean[i]});
    yhi = std::max({yhi, b.upper[i], b.mean[i]});
  }
  for (std::size_t i = 0; i < px.size(); ++i) {
    xlo = std::min(xlo, px[i]);
    xhi = std::max(xhi, px[i]);
    ylo = std::min(ylo, py[i]);
    yhi = std::max(yhi, py[i]);
  }
  for (double t : b.truth) {
    ylo = std::min(ylo, t);
    yhi = std::max(yhi, t);
  }
  const PLFLT ypad = std::max((yhi - ylo) * 0.05, 1e-3), xpad = (xhi - xlo) * 0.02;
  return {xlo - xpad, xhi + xpad, ylo - ypad, yhi + ypad};
}

// The band as one polygon: along the upper edge, then back along the lower one.
void band_polygon(const Band& b, std::vector<PLFLT>& poly_x, std::vector<PLFLT>& poly_y) {
  const std::size_t n = b.x.size();
  poly_x.resize(2 * n);
  poly_y.resize(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    poly_x[i] = b.x[i];
    poly_y[i] = b.upper[i];
    poly_x[2 * n - 1 - i] = b.x[i];
    poly_y[2 * n - 1 - i] = b.lower[i];
  }
}

struct SingleBand {
  const std::vector<double>& px;
  const std::vector<double>& py;
  const Band& b;
  const std::vector<PLFLT>& poly_x;
  const std::vector<PLFLT>& poly_y;
  const Limits& lim;
  const BandPlotOptions& o;
};

void setup_single() {
  const PLINT r[7] = {255, 25, 190, 31, 230, 40, 224}, g[7] = {255, 25, 215, 119, 120, 40, 224},
              bl[7] = {255, 25, 238, 180, 30, 40, 224};
  plscmap0(r, g, bl, 7);
}

void draw_single(const SingleBand& context) {
  const auto& [px, py, b, poly_x, poly_y, lim, o] = context;
  pladv(0);
  plschr(0, 0.95);
  plvpor(0.08, 0.97, 0.12, o.title.empty() ? 0.93 : 0.88);
  plwind(lim.xmin, lim.xmax, lim.ymin, lim.ymax);
  plcol0(kGrid);
  plbox("g", 0, 0, "g", 0, 0);
  const PLINT n = static_cast<PLINT>(b.x.size());
  plcol0(kFill);
  plfill(2 * n, poly_x.data(), poly_y.data());
  plcol0(kPoints);
  plschr(0, 0.45);
  if (!px.empty()) plstring(static_cast<PLINT>(px.size()), px.data(), py.data(), "\u25CF");
  plschr(0, 0.95);
  if (!b.truth.empty()) {
    plcol0(kTruth);
    plwidth(1.5);
    pllsty(2);
    plline(n, b.x.data(), b.truth.data());
    pllsty(1);
  }
  plcol0(kMean);
  plwidth(2.5);
  plline(n, b.x.data(), b.mean.data());
  plwidth(1.0);
  plcol0(kInk);
  plbox("bcnst", 0, 0, "bcnstv", 0, 0);
  pllab(o.xlabel.c_str(), o.ylabel.c_str(), o.title.c_str());

  // Legend: band (a filled box), mean, data, truth.
  PLINT opts[4], colors[4], line_styles[4], symbol_numbers[4] = {1, 1, 1, 1};
  PLINT box_colors[4] = {kFill, kFill, kFill, kFill}, box_patterns[4] = {0, 0, 0, 0};
  PLFLT widths[4] = {2.5, 2.5, 2.5, 1.5}, scales[4] = {0.45, 0.45, 0.45, 0.45};
  PLFLT box_scales[4] = {0.8, 0.8, 0.8, 0.8}, box_widths[4] = {1, 1, 1, 1};
  PLINT text_colors[4] = {kInk, kInk, kInk, kInk};
  const char* labels[4];
  const char* symbols[4] = {"\u25CF", "\u25CF", "\u25CF", "\u25CF"};
  PLINT count = 0;
  auto entry = [&](PLINT opt, PLINT color, PLINT style, const char* label) {
    opts[count] = opt;
    colors[count] = color;
    line_styles[count] = style;
    labels[count++] = label;
  };
  entry(PL_LEGEND_COLOR_BOX, kFill, 1, o.band_label.c_str());
  entry(PL_LEGEND_LINE, kMean, 1, o.mean_label.c_str());
  if (!px.empty()) entry(PL_LEGEND_SYMBOL, kPoints, 1, o.points_label.c_str());
  if (!b.truth.empty()) entry(PL_LEGEND_LINE, kTruth, 2, o.truth_label.c_str());
  PLFLT legend_w = 0, legend_h = 0;
  pllegend(&legend_w, &legend_h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
           PL_POSITION_TOP | PL_POSITION_LEFT | PL_POSITION_INSIDE | PL_POSITION_VIEWPORT, 0.02,
           0.03, 0.08, kBackground, kInk, 1, 0, 0, count, opts, 0.8, 0.9, 2.0, 0.0, text_colors,
           labels, box_colors, box_patterns, box_scales, box_widths, colors, line_styles, widths,
           colors, scales, symbol_numbers, symbols);
}

void check_finite(const std::vector<double>& v, const char* what) {
  for (std::size_t i = 0; i < v.size(); ++i)
    MINIDL_CHECK(std::isfinite(v[i]), "band_plot: ", what, "[", i, "] is not finite: ", v[i]);
}

// Six distinguishable colours (Tableau 10), cmap0 slots 7..12 for the lines and 13..18 (the same
// colours at alpha 0.2) for the fills.
constexpr int kPalette = 6;
constexpr PLINT kPaletteRgb[kPalette][3] = {{31, 119, 180}, {255, 127, 14},  {44, 160, 44},
                                            {214, 39, 40},  {148, 103, 189}, {140, 86, 75}};

struct PanelData {
  const BandPanel* panel;
  std::vector<PLFLT> xmin_max_y;  // xmin, xmax, ymin, ymax
  std::vector<std::vector<PLFLT>> poly_x, poly_y;
  std::vector<int> color;  // palette index per band
};
struct ManyBands {
  const std::vector<PanelData>* panels;
  const std::vector<const char*>* legend_labels;  // palette order
  const BandPanelsOptions* o;
};

// Colour maps and one subpage per panel: read when the door starts the page.
void setup_panels(PLINT count) {
  PLINT r[7 + 2 * kPalette] = {255, 25, 190, 31, 230, 40, 224},
                  g[7 + 2 * kPalette] = {255, 25, 215, 119, 120, 40, 224},
                  bl[7 + 2 * kPalette] = {255, 25, 238, 180, 30, 40, 224};
  PLFLT alpha[7 + 2 * kPalette];
  for (int i = 0; i < 7 + 2 * kPalette; ++i) alpha[i] = 1.0;
  for (int c = 0; c < kPalette; ++c)
    for (int k = 0; k < 2; ++k) {
      const int slot = 7 + c + k * kPalette;
      r[slot] = kPaletteRgb[c][0];
      g[slot] = kPaletteRgb[c][1];
      bl[slot] = kPaletteRgb[c][2];
      alpha[slot] = k == 0 ? 1.0 : 0.2;
    }
  plscmap0a(r, g, bl, alpha, 7 + 2 * kPalette);
  plssub(count, 1);
}

void draw_panels(const ManyBands& m) {
  const auto& panels = *m.panels;
  for (std::size_t p = 0; p < panels.size(); ++p) {
    const PanelData& d = panels[p];
    const BandPanel& panel = *d.panel;
    pladv(static_cast<PLINT>(p + 1));
    plschr(0, 0.65);
    plvpor(0.17, 0.95, 0.15, 0.88);
    plwind(d.xmin_max_y[0], d.xmin_max_y[1], d.xmin_max_y[2], d.xmin_max_y[3]);
    plcol0(kGrid);
    plbox("g", 0, 0, "g", 0, 0);
    for (std::size_t b = 0; b < panel.bands.size(); ++b) {
      const NamedBand& nb = panel.bands[b];
      const auto n = static_cast<PLINT>(nb.x.size());
      if (n >= 2) {
        plcol0(7 + d.color[b] + kPalette);
        plfill(2 * n, d.poly_x[b].data(), d.poly_y[b].data());
      }
    }
    for (std::size_t b = 0; b < panel.bands.size(); ++b) {
      const NamedBand& nb = panel.bands[b];
      const auto n = static_cast<PLINT>(nb.x.size());
      plcol0(7 + d.color[b]);
      plwidth(2.0);
      if (n >= 2)
        plline(n, nb.x.data(), nb.mean.data());
      else
        plstring(n, nb.x.data(), nb.mean.data(), "\u25CF");
    }
    plwidth(1.0);
    if (std::isfinite(panel.target)) {
      const PLFLT tx[2] = {d.xmin_max_y[0], d.xmin_max_y[1]}, ty[2] = {panel.target, panel.target};
      plcol0(kInk);
      pllsty(2);
      plline(2, tx, ty);
      pllsty(1);
    }
    plcol0(kInk);
    plbox("bcnst", 0, 0, "bcnstv", 0, 0);
    pllab(panel.xlabel.c_str(), panel.ylabel.c_str(), panel.title.c_str());
  }
  // One legend, in the first panel: every colour used, in palette order.
  pladv(1);
  plschr(0, 0.65);
  plvpor(0.17, 0.95, 0.15, 0.88);
  plwind(0, 1, 0, 1);
  const auto& labels = *m.legend_labels;
  const auto count = static_cast<PLINT>(labels.size());
  PLINT opts[kPalette], colors[kPalette], styles[kPalette], text_colors[kPalette];
  PLFLT widths[kPalette];
  for (PLINT i = 0; i < count; ++i) {
    opts[i] = PL_LEGEND_LINE;
    colors[i] = 7 + i;
    styles[i] = 1;
    widths[i] = 2.0;
    text_colors[i] = kInk;
  }
  PLFLT legend_w = 0, legend_h = 0;
  pllegend(&legend_w, &legend_h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
           PL_POSITION_TOP | PL_POSITION_LEFT | PL_POSITION_INSIDE | PL_POSITION_VIEWPORT, 0.02,
           0.03, 0.08, kBackground, kInk, 1, 0, 0, count, opts, 0.8, 0.7, 2.0, 0.0, text_colors,
           labels.data(), nullptr, nullptr, nullptr, nullptr, colors, styles, widths, nullptr,
           nullptr, nullptr, nullptr);
}

}  // namespace

void plot_band_panels(const std::vector<BandPanel>& panels, const std::string& png_path,
                      const BandPanelsOptions& o) {
  MINIDL_CHECK(!png_path.empty(), "band_plot: the output path is empty");
  MINIDL_CHECK(!panels.empty() && panels.size() <= 8, "band_plot: needs 1 to 8 panels, got ",
               panels.size());
  const int width = o.panel_width * static_cast<int>(panels.size());
  MINIDL_CHECK(o.panel_width >= 200 && o.height >= 150 && width <= 10000 && o.height <= 10000,
               "band_plot: size must be within 200x150 .. 10000x10000 pixels, got ", width, "x",
               o.height);
  std::vector<std::string> names;  // palette order: first appearance
  std::vector<PanelData> data;
  for (const BandPanel& panel : panels) {
    MINIDL_CHECK(!panel.bands.empty(), "band_plot: panel '", panel.title, "' has no bands");
    PanelData d{&panel, {INFINITY, -INFINITY, INFINITY, -INFINITY}, {}, {}, {}};
    for (const NamedBand& nb : panel.bands) {
      const std::size_t n = nb.x.size();
      MINIDL_CHECK(n >= 1 && nb.mean.size() == n && nb.lower.size() == n && nb.upper.size() == n,
                   "band_plot: band '", nb.label, "' has x ", n, ", mean ", nb.mean.size(),
                   ", lower ", nb.lower.size(), ", upper ", nb.upper.size(), " values");
      for (const auto* v : {&nb.x, &nb.mean, &nb.lower, &nb.upper}) check_finite(*v, "band");
      for (std::size_t i = 1; i < n; ++i)
        MINIDL_CHECK(nb.x[i] >= nb.x[i - 1], "band_plot: band '", nb.label,
                     "' x must be increasing");
      auto it = std::find(names.begin(), names.end(), nb.label);
      if (it == names.end()) {
        MINIDL_CHECK(names.size() < static_cast<std::size_t>(kPalette), "band_plot: more than ",
                     kPalette, " band labels");
        names.push_back(nb.label);
        it = names.end() - 1;
      }
      d.color.push_back(static_cast<int>(it - names.begin()));
      for (std::size_t i = 0; i < n; ++i) {
        d.xmin_max_y[0] = std::min(d.xmin_max_y[0], nb.x[i]);
        d.xmin_max_y[1] = std::max(d.xmin_max_y[1], nb.x[i]);
        d.xmin_max_y[2] = std::min({d.xmin_max_y[2], nb.lower[i], nb.mean[i]});
        d.xmin_max_y[3] = std::max({d.xmin_max_y[3], nb.upper[i], nb.mean[i]});
      }
      Band b{nb.x, nb.mean, nb.lower, nb.upper};
      d.poly_x.emplace_back();
      d.poly_y.emplace_back();
      band_polygon(b, d.poly_x.back(), d.poly_y.back());
    }
    if (std::isfinite(panel.target)) {
      d.xmin_max_y[2] = std::min(d.xmin_max_y[2], panel.target);
      d.xmin_max_y[3] = std::max(d.xmin_max_y[3], panel.target);
    }
    const double ypad = std::max((d.xmin_max_y[3] - d.xmin_max_y[2]) * 0.05, 1e-3);
    const double xpad = std::max((d.xmin_max_y[1] - d.xmin_max_y[0]) * 0.02, 1e-3);
    d.xmin_max_y = {d.xmin_max_y[0] - xpad, d.xmin_max_y[1] + xpad, d.xmin_max_y[2] - ypad,
                    d.xmin_max_y[3] + ypad};
    data.push_back(std::move(d));
  }
  std::vector<const char*> labels;
  for (const std::string& s : names) labels.push_back(s.c_str());
  const ManyBands context{&data, &labels, &o};
  const auto count = static_cast<PLINT>(panels.size());
  render_png(
      png_path, "band_plot", width, o.height, [&] { draw_panels(context); },
      [&] { setup_panels(count); });
}

void plot_band(const std::vector<double>& px, const std::vector<double>& py, const Band& b,
               const std::string& png_path, const BandPlotOptions& o) {
  MINIDL_CHECK(!png_path.empty(), "band_plot: the output path is empty");
  MINIDL_CHECK(o.width >= 200 && o.height >= 150 && o.width <= 10000 && o.height <= 10000,
               "band_plot: size must be within 200x150 .. 10000x10000 pixels, got ", o.width, "x",
               o.height);
  MINIDL_CHECK(px.size() == py.size(), "band_plot: ", px.size(), " point x values but ", py.size(),
               " y values");
  const std::size_t n = b.x.size();
  MINIDL_CHECK(n >= 2, "band_plot: the band needs at least 2 points, got ", n);
  MINIDL_CHECK(b.mean.size() == n && b.lower.size() == n && b.upper.size() == n &&
                   (b.truth.empty() || b.truth.size() == n),
               "band_plot: band x has ", n, " values but mean ", b.mean.size(), ", lower ",
               b.lower.size(), ", upper ", b.upper.size(), ", truth ", b.truth.size());
  for (const auto& [v, what] : {std::pair{&px, "points_x"},
                                {&py, "points_y"},
                                {&b.x, "x"},
                                {&b.mean, "mean"},
                                {&b.lower, "lower"},
                                {&b.upper, "upper"},
                                {&b.truth, "truth"}})
    check_finite(*v, what);
  for (std::size_t i = 1; i < n; ++i)
    MINIDL_CHECK(b.x[i] >= b.x[i - 1], "band_plot: band x must be increasing, x[", i - 1,
                 "] = ", b.x[i - 1], " > x[", i, "] = ", b.x[i]);
  const Limits lim = limits(px, py, b);
  std::vector<PLFLT> poly_x, poly_y;
  band_polygon(b, poly_x, poly_y);

  const SingleBand context{px, py, b, poly_x, poly_y, lim, o};
  render_png(
      png_path, "band_plot", o.width, o.height, [&] { draw_single(context); },
      [] { setup_single(); });
}

}  // namespace minidl::train
