// Detection pictures with PLplot (see train/box_plot.h).
//
// PLplot's y axis points up and plimage indexes data[x][y], so image row r is drawn at
// y = H - r and a box (x1, y1, x2, y2) becomes the outline from (x1, H - y1) to (x2, H - y2).
#include "train/box_plot.h"

#include <cmath>
#include <cstdio>

#include "tensor/error.h"
#include "train/plplot.h"

namespace minidl::train {
namespace {

enum Color : PLINT { kBackground = 0, kInk, kTruth, kPrediction };

struct Outline {
  PLFLT x[5], y[5];
  std::string text;
};

// Built before the door (train/plplot.h): drawing only reads it.
struct PanelData {
  PLINT w = 0, h = 0;
  std::vector<PLFLT> pixels;       // [w][h]
  std::vector<const PLFLT*> cols;  // PLplot's matrix rows (one per x)
  std::vector<Outline> truth, pred;
};

std::vector<Outline> outlines(const Tensor& boxes, const Tensor& labels, const Tensor& scores,
                              PLINT h, const BoxPlotOptions& o) {
  std::vector<Outline> out;
  if (!boxes.defined() || boxes.numel() == 0) return out;
  MINIDL_CHECK(boxes.dim() == 2 && boxes.shape()[1] == 4, "plot_boxes: boxes must be [N, 4], got ",
               shape_str(boxes.shape()));
  const std::vector<double> b = boxes.to_vector();
  const std::int64_t n = boxes.shape()[0];
  const std::vector<double> l = labels.defined() ? labels.to_vector() : std::vector<double>{};
  const std::vector<double> s = scores.defined() ? scores.to_vector() : std::vector<double>{};
  for (std::int64_t i = 0; i < n; ++i) {
    const double x1 = b[4 * i], y1 = h - b[4 * i + 1], x2 = b[4 * i + 2], y2 = h - b[4 * i + 3];
    Outline ol{{x1, x2, x2, x1, x1}, {y1, y1, y2, y2, y1}, ""};
    if (static_cast<std::int64_t>(l.size()) == n) {
      const auto c = static_cast<std::size_t>(l[i]);
      ol.text = c < o.class_names.size() ? o.class_names[c] : std::to_string(c);
      if (static_cast<std::int64_t>(s.size()) == n) {
        char buf[32];
        std::snprintf(buf, sizeof buf, " %.2f", s[i]);
        ol.text += buf;
      }
    }
    out.push_back(ol);
  }
  return out;
}

PanelData panel_data(const BoxPanel& p, const BoxPlotOptions& o) {
  MINIDL_CHECK(
      p.image.defined() && (p.image.dim() == 2 || (p.image.dim() == 3 && p.image.shape()[0] == 1)),
      "plot_boxes: image must be [H, W] or [1, H, W]");
  PanelData d;
  d.h = static_cast<PLINT>(p.image.shape()[p.image.dim() - 2]);
  d.w = static_cast<PLINT>(p.image.shape()[p.image.dim() - 1]);
  const std::vector<double> px = p.image.to_vector();
  d.pixels.resize(static_cast<std::size_t>(d.w * d.h));
  for (PLINT x = 0; x < d.w; ++x)
    for (PLINT y = 0; y < d.h; ++y) d.pixels[x * d.h + y] = px[(d.h - 1 - y) * d.w + x];
  for (PLINT x = 0; x < d.w; ++x) d.cols.push_back(d.pixels.data() + x * d.h);
  d.truth = outlines(p.gt_boxes, p.gt_labels, Tensor(), d.h, o);
  d.pred = outlines(p.pred_boxes, p.pred_labels, p.pred_scores, d.h, o);
  return d;
}

void draw(const std::vector<PanelData>& panels, const BoxPlotOptions& o) {
  for (std::size_t k = 0; k < panels.size(); ++k) {
    const PanelData& p = panels[k];
    pladv(static_cast<PLINT>(k) + 1);
    plvpor(0.02, 0.98, 0.02,
           o.title.empty() || k >= static_cast<std::size_t>(o.columns) ? 0.98 : 0.9);
    plwind(0, p.w, 0, p.h);
    plimage(p.cols.data(), p.w, p.h, 0, p.w, 0, p.h, 0, 1, 0, p.w, 0, p.h);
    plwidth(2);
    plschr(0, 0.7);
    plcol0(kTruth);
    for (const Outline& ol : p.truth) {
      plline(5, ol.x, ol.y);
      // The true class under the box, the prediction's above it.
      if (!ol.text.empty()) plptex(ol.x[0] + 0.5, ol.y[2] - 3.5, 1, 0, 0, ol.text.c_str());
    }
    plcol0(kPrediction);
    for (const Outline& ol : p.pred) {
      plline(5, ol.x, ol.y);
      if (!ol.text.empty()) plptex(ol.x[0] + 0.5, ol.y[0] - 1.5, 1, 0, 0, ol.text.c_str());
    }
    plwidth(1);
    if (k == 0 && !o.title.empty()) {
      plcol0(kInk);
      plmtex("t", 0.8, 0.0, 0.0, o.title.c_str());
    }
  }
}

}  // namespace

void plot_boxes(const std::vector<BoxPanel>& panels, const std::string& png_path,
                const BoxPlotOptions& o) {
  MINIDL_CHECK(!png_path.empty(), "plot_boxes: the output path is empty");
  MINIDL_CHECK(!panels.empty(), "plot_boxes: no panels");
  MINIDL_CHECK(o.columns >= 1 && o.panel_pixels >= 64 && o.panel_pixels <= 4000,
               "plot_boxes: columns must be >= 1 and panel_pixels in [64, 4000], got ", o.columns,
               ", ", o.panel_pixels);
  std::vector<PanelData> data;
  for (const BoxPanel& p : panels) data.push_back(panel_data(p, o));
  const PLINT rows = static_cast<PLINT>((panels.size() + o.columns - 1) / o.columns);
  render_png(
      png_path, "plot_boxes", o.columns * o.panel_pixels, rows * o.panel_pixels,
      [&] { draw(data, o); },
      [&] {
        plssub(o.columns, rows);
        const PLINT r[4] = {255, 25, 30, 230}, g[4] = {255, 25, 200, 40}, b[4] = {255, 25, 60, 40};
        plscmap0(r, g, b, 4);
        PLFLT pos[2] = {0, 1}, grey[2] = {0, 1};
        plscmap1l(1, 2, pos, grey, grey, grey, nullptr);
      });
}

}  // namespace minidl::train
