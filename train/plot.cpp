#include "train/plot.h"

#include <algorithm>
#include <cmath>

#include "tensor/error.h"
#include "train/metric_log.h"
#include "train/plplot.h"

namespace minidl::train {
namespace {

// cmap0 slots: background, ink, training curve, validation curve, grid.
enum Color : PLINT { kBackground = 0, kInk = 1, kTrain = 2, kVal = 3, kGrid = 4 };
// A filled dot per epoch (UTF-8 U+25CF; the cairo device draws it from a system font).
constexpr const char* kMarker = "\u25CF";

struct Series {
  std::vector<PLFLT> x, y;  // finite points only
  const char* label;
  PLINT color;
};

struct Panel {
  const char* title;
  const char* ylabel;
  std::vector<Series> series;  // non-empty ones
  PLFLT xmin, xmax, ymin, ymax;
  PLINT legend_position;
};

// A tick step of 1, 2 or 5 x 10^k giving at most ~10 epoch ticks.
PLFLT epoch_tick(PLFLT span) {
  PLFLT step = 1;
  for (PLFLT decade = 1;; decade *= 10)
    for (PLFLT m : {1.0, 2.0, 5.0})
      if ((step = m * decade) * 10 >= span) return step;
}

Panel make_panel(const std::vector<Logs>& rows, const char* title, const char* ylabel,
                 const std::string& train_key, const std::string& val_key, PLINT legend_position) {
  Panel p{title, ylabel, {}, 0, 0, 0, 0, legend_position};
  PLFLT ylo = INFINITY, yhi = -INFINITY, xhi = 1;
  for (auto [key, label, color] :
       {std::tuple{train_key, "training", kTrain}, std::tuple{val_key, "validation", kVal}}) {
    Series s{{}, {}, label, color};
    for (std::size_t i = 0; i < rows.size(); ++i) {
      auto e = rows[i].find("epoch");
      const PLFLT x = (e != rows[i].end() ? e->second : static_cast<PLFLT>(i)) + 1;
      auto it = rows[i].find(key);
      xhi = std::max(xhi, x);
      if (it == rows[i].end() || !std::isfinite(it->second) || !std::isfinite(x)) continue;
      s.x.push_back(x);
      s.y.push_back(it->second);
      ylo = std::min(ylo, it->second);
      yhi = std::max(yhi, it->second);
    }
    if (!s.x.empty()) p.series.push_back(std::move(s));
  }
  if (p.series.empty()) return p;
  // 6% headroom; a flat curve gets a small band around its value.
  PLFLT pad = (yhi - ylo) * 0.06;
  if (pad == 0) pad = std::max(std::abs(yhi) * 0.05, 0.05);
  p.ymin = ylo - pad;
  p.ymax = yhi + pad;
  p.xmin = 1 - 0.3;
  p.xmax = xhi + 0.3;
  return p;
}

void draw_panel(const Panel& p, PLFLT vx0, PLFLT vx1, PLFLT vy0, PLFLT vy1) {
  plvpor(vx0, vx1, vy0, vy1);
  plwind(p.xmin, p.xmax, p.ymin, p.ymax);
  const PLFLT xtick = epoch_tick(p.xmax - p.xmin);
  plwidth(1.0);
  plcol0(kGrid);
  plbox("g", xtick, 1, "g", 0, 0);
  plcol0(kInk);
  plbox("bcnst", xtick, 1, "bcnstv", 0, 0);
  pllab("epoch", p.ylabel, p.title);
  PLINT opts[2], colors[2], styles[2] = {1, 1}, symbol_numbers[2] = {1, 1};
  PLFLT widths[2] = {2.5, 2.5}, scales[2] = {0.55, 0.55};
  const char* labels[2];
  const char* symbols[2] = {kMarker, kMarker};
  PLINT n = 0;
  for (const Series& s : p.series) {
    plcol0(s.color);
    plwidth(2.5);
    plline(static_cast<PLINT>(s.x.size()), s.x.data(), s.y.data());
    const bool markers = s.x.size() <= 40;
    if (markers) {
      plschr(0, 0.55);
      plstring(static_cast<PLINT>(s.x.size()), s.x.data(), s.y.data(), kMarker);
      plschr(0, 0.95);
    }
    opts[n] = PL_LEGEND_LINE | (markers ? PL_LEGEND_SYMBOL : 0);
    colors[n] = s.color;
    labels[n] = s.label;
    ++n;
  }
  plwidth(1.0);
  PLFLT legend_w = 0, legend_h = 0;
  PLINT text_colors[2] = {kInk, kInk};
  pllegend(&legend_w, &legend_h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
           p.legend_position | PL_POSITION_INSIDE | PL_POSITION_VIEWPORT, 0.02, 0.03, 0.08,
           kBackground, kInk, 1, 0, 0, n, opts, 0.8, 0.9, 2.0, 0.0, text_colors, labels, nullptr,
           nullptr, nullptr, nullptr, colors, styles, widths, colors, scales, symbol_numbers,
           symbols);
}

// The page: the panels side by side and the title above them (PLplot calls only; the door's
// longjmp may skip this frame).
void draw_page(const Panel* panels, int count, const char* title) {
  pladv(0);
  plschr(0, 0.95);
  const PLFLT top = title[0] != '\0' ? 0.84 : 0.90;
  const PLFLT gap = 0.09, left = 0.08, right = 0.98, w = (right - left - gap * (count - 1)) / count;
  for (int i = 0; i < count; ++i)
    draw_panel(panels[i], left + i * (w + gap), left + i * (w + gap) + w, 0.15, top);
  if (title[0] != '\0') {
    plvpor(0, 1, 0, 1);
    plwind(0, 1, 0, 1);
    plcol0(kInk);
    plschr(0, 1.25);
    plptex(0.5, 0.94, 1, 0, 0.5, title);
  }
}

}  // namespace

void plot_curves(const std::vector<Logs>& rows, const std::string& png_path,
                 const PlotOptions& options) {
  MINIDL_CHECK(!png_path.empty(), "plot: the output path is empty");
  MINIDL_CHECK(options.width >= 200 && options.height >= 150 && options.width <= 10000 &&
                   options.height <= 10000,
               "plot: size must be within 200x150 .. 10000x10000 pixels, got ", options.width, "x",
               options.height);
  std::vector<Panel> panels;
  panels.push_back(
      make_panel(rows, "Loss", "loss", "loss", "val_loss", PL_POSITION_TOP | PL_POSITION_RIGHT));
  MINIDL_CHECK(!panels[0].series.empty(), "plot: no finite \"loss\" or \"val_loss\" value in ",
               rows.size(), " rows; nothing to plot for ", png_path);
  Panel acc = make_panel(rows, "Accuracy", "accuracy", "accuracy", "val_accuracy",
                         PL_POSITION_BOTTOM | PL_POSITION_RIGHT);
  if (!acc.series.empty()) panels.push_back(std::move(acc));

  const int count = static_cast<int>(panels.size());
  render_png(
      png_path, "plot", options.width, options.height,
      [&] { draw_page(panels.data(), count, options.title.c_str()); },
      [] {
        const PLINT r[5] = {255, 25, 31, 255, 224}, g[5] = {255, 25, 119, 127, 224},
                    b[5] = {255, 25, 180, 14, 224};
        plscmap0(r, g, b, 5);
      });
}

void plot_metric_log(const std::string& log_path, const std::string& png_path,
                     const PlotOptions& options) {
  std::vector<Logs> rows = read_metric_log(log_path);
  MINIDL_CHECK(!rows.empty(), "plot: the metric log '", log_path, "' has no rows");
  plot_curves(rows, png_path, options);
}

}  // namespace minidl::train
