#include "train/bar_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "tensor/error.h"
#include "train/plplot.h"

namespace minidl::train {
namespace {

constexpr int kMaxSeries = 8;
// cmap0 slots: background, ink, grid, then one colour per series (Tableau 10).
enum Color : PLINT { kBackground = 0, kInk = 1, kGrid = 2, kFirstSeries = 3 };
constexpr PLINT kRed[] = {255, 25, 224, 31, 255, 44, 214, 148, 140, 227, 127};
constexpr PLINT kGreen[] = {255, 25, 224, 119, 127, 160, 39, 103, 86, 119, 127};
constexpr PLINT kBlue[] = {255, 25, 224, 180, 14, 44, 40, 189, 75, 194, 127};

struct Chart {
  const std::vector<std::string>* categories;
  const std::vector<BarSeries>* series;
  const BarChartOptions* options;
  PLFLT ymin, ymax;
};

void draw(const Chart& c) {
  const auto& cats = *c.categories;
  const auto& series = *c.series;
  const BarChartOptions& o = *c.options;
  const PLFLT n_cat = static_cast<PLFLT>(cats.size());
  const PLFLT top = o.title.empty() ? 0.84 : 0.78;
  plvpor(0.08, 0.98, 0.14, top);
  plwind(0, n_cat, c.ymin, c.ymax);
  plwidth(1.0);
  plcol0(kGrid);
  plbox("", 0, 0, "g", 0, 0);
  plcol0(kInk);
  plbox("bc", 0, 0, "bcnstv", 0, 0);
  if (!o.ylabel.empty()) plmtex("l", 4.5, 0.5, 0.5, o.ylabel.c_str());
  // Bars: a group of width 0.8 per category, centred in its unit slot.
  const PLFLT group = 0.8, bar = group / static_cast<PLFLT>(series.size());
  const PLFLT base = std::max<PLFLT>(c.ymin, std::min<PLFLT>(0, c.ymax));
  // Category names shrink until the longest fits its slot (an average glyph of a sans font is
  // at most about 0.65 of the character height), so neighbours do not run into each other.
  PLFLT page_x0, page_x1, page_y0, page_y1, char_default, char_height;
  plgspa(&page_x0, &page_x1, &page_y0, &page_y1);
  plgchr(&char_default, &char_height);
  std::size_t longest = 1;
  for (const std::string& name : cats) longest = std::max(longest, name.size());
  const PLFLT slot_mm = 0.9 * (page_x1 - page_x0) / n_cat;
  const PLFLT text_mm = 0.65 * char_height * static_cast<PLFLT>(longest);
  const PLFLT label_scale = std::clamp<PLFLT>(0.9 * 0.85 * slot_mm / text_mm, 0.4, 0.9);
  char text[64];
  for (std::size_t k = 0; k < cats.size(); ++k) {
    for (std::size_t s = 0; s < series.size(); ++s) {
      const double v = series[s].values[k];
      if (!std::isfinite(v)) continue;
      const PLFLT x0 = static_cast<PLFLT>(k) + (1 - group) / 2 + static_cast<PLFLT>(s) * bar;
      const PLFLT y1 = std::clamp<PLFLT>(v, c.ymin, c.ymax);
      PLFLT xs[5] = {x0, x0 + bar, x0 + bar, x0, x0}, ys[5] = {base, base, y1, y1, base};
      plcol0(kFirstSeries + static_cast<PLINT>(s));
      plfill(4, xs, ys);
      plcol0(kInk);
      plline(5, xs, ys);
      if (o.value_digits >= 0) {
        std::snprintf(text, sizeof text, "%.*f", o.value_digits, v);
        plschr(0, 0.55);
        const PLFLT offset = (c.ymax - c.ymin) * 0.022;
        plptex(x0 + bar / 2, v >= base ? y1 + offset : y1 - 2 * offset, 1, 0, 0.5, text);
        plschr(0, 0.9);
      }
    }
    plschr(0, label_scale);
    plmtex("b", 1.6, (static_cast<PLFLT>(k) + 0.5) / n_cat, 0.5, cats[k].c_str());
    plschr(0, 0.9);
  }
  // Legend: one row of colour boxes above the plot.
  const auto n = static_cast<PLINT>(series.size());
  PLINT opts[kMaxSeries], text_colors[kMaxSeries], box_colors[kMaxSeries], box_patterns[kMaxSeries];
  PLFLT box_scales[kMaxSeries], box_widths[kMaxSeries];
  const char* labels[kMaxSeries];
  for (PLINT s = 0; s < n; ++s) {
    opts[s] = PL_LEGEND_COLOR_BOX;
    text_colors[s] = kInk;
    box_colors[s] = kFirstSeries + s;
    box_patterns[s] = 0;
    box_scales[s] = 0.9;
    box_widths[s] = 1;
    labels[s] = series[static_cast<std::size_t>(s)].label.c_str();
  }
  PLFLT legend_w = 0, legend_h = 0;
  pllegend(&legend_w, &legend_h, PL_LEGEND_BACKGROUND, PL_POSITION_TOP | PL_POSITION_OUTSIDE, 0,
           0.02, 0.05, kBackground, kInk, 1, 1, n, n, opts, 0.8, 0.9, 2.0, 0.0, text_colors, labels,
           box_colors, box_patterns, box_scales, box_widths, nullptr, nullptr, nullptr, nullptr,
           nullptr, nullptr, nullptr);
  if (!o.title.empty()) {
    plvpor(0, 1, 0, 1);
    plwind(0, 1, 0, 1);
    plcol0(kInk);
    plschr(0, 1.2);
    plptex(0.5, 0.94, 1, 0, 0.5, o.title.c_str());
  }
}

}  // namespace

void plot_bar_chart(const std::vector<std::string>& categories,
                    const std::vector<BarSeries>& series, const std::string& png_path,
                    const BarChartOptions& options) {
  constexpr const char* kOp = "bar_chart";
  MINIDL_CHECK(!png_path.empty(), kOp, ": the output path is empty");
  MINIDL_CHECK(options.width >= 200 && options.height >= 150 && options.width <= 10000 &&
                   options.height <= 10000,
               kOp, ": size must be within 200x150 .. 10000x10000 pixels, got ", options.width, "x",
               options.height);
  MINIDL_CHECK(!categories.empty(), kOp, ": no categories");
  MINIDL_CHECK(!series.empty() && series.size() <= kMaxSeries, kOp, ": needs 1 to ", kMaxSeries,
               " series, got ", series.size());
  double lo = 0, hi = -INFINITY;
  for (const BarSeries& s : series) {
    MINIDL_CHECK(s.values.size() == categories.size(), kOp, ": series '", s.label, "' has ",
                 s.values.size(), " values for ", categories.size(), " categories");
    for (double v : s.values) {
      if (!std::isfinite(v)) continue;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  MINIDL_CHECK(std::isfinite(hi), kOp, ": no finite value to plot for ", png_path);
  if (hi <= lo) hi = lo + 1;
  Chart chart{&categories, &series, &options, std::isnan(options.ymin) ? lo : options.ymin,
              std::isnan(options.ymax) ? hi + (hi - lo) * 0.08 : options.ymax};
  MINIDL_CHECK(chart.ymax > chart.ymin, kOp, ": ymax ", chart.ymax, " must exceed ymin ",
               chart.ymin);

  render_png(
      png_path, kOp, options.width, options.height,
      [&] {
        pladv(0);
        plschr(0, 0.9);
        draw(chart);
      },
      [] { plscmap0(kRed, kGreen, kBlue, kFirstSeries + kMaxSeries); });
}

}  // namespace minidl::train
