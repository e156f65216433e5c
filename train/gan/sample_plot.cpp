#include "train/gan/sample_plot.h"

#include <algorithm>
#include <cmath>

#include "tensor/error.h"
#include "tensor/ops.h"
#include "train/plplot.h"

namespace minidl::train::gan {
namespace {

// cmap0 slots: background, ink, real samples, generated samples, mode centres, frame grid.
enum Color : PLINT { kBackground = 0, kInk, kReal, kFake, kCentre, kGrid };

// A panel's data as plain arrays (PLplot wants PLFLT), built before the door (train/plplot.h).
struct PanelData {
  std::vector<PLFLT> rx, ry, fx, fy, cx, cy, field;
  std::vector<const PLFLT*> field_rows;  // PLplot's matrix: field_rows[j] = column j (x)
  PLINT nx = 0, ny = 0;
  PLFLT fmin = 0, fmax = 0;
  std::string title;
};

void points(const Tensor& t, std::vector<PLFLT>& x, std::vector<PLFLT>& y, const char* what) {
  if (!t.defined()) return;
  MINIDL_CHECK(t.dim() == 2 && t.shape()[1] == 2, "plot_samples: ", what, " must be [N, 2], got ",
               shape_str(t.shape()));
  const Tensor d = t.to(kFloat64);
  const double* p = d.data<double>();
  for (std::int64_t i = 0; i < d.shape()[0]; ++i) {
    if (!std::isfinite(p[2 * i]) || !std::isfinite(p[2 * i + 1])) continue;  // a diverged G
    x.push_back(p[2 * i]);
    y.push_back(p[2 * i + 1]);
  }
}

PanelData panel_data(const Panel& p) {
  PanelData d;
  d.title = p.title;
  points(p.real, d.rx, d.ry, "real");
  points(p.fake, d.fx, d.fy, "fake");
  points(p.centres, d.cx, d.cy, "centres");
  if (p.critic.defined()) {
    MINIDL_CHECK(p.critic.dim() == 2 && p.critic.shape()[0] >= 2 && p.critic.shape()[1] >= 2,
                 "plot_samples: critic must be [ny, nx] with both >= 2, got ",
                 shape_str(p.critic.shape()));
    const Tensor c = p.critic.to(kFloat64);
    d.ny = static_cast<PLINT>(c.shape()[0]);
    d.nx = static_cast<PLINT>(c.shape()[1]);
    const double* v = c.data<double>();
    // PLplot indexes a[x][y]: transpose the row-major [ny, nx] field.
    d.field.resize(static_cast<std::size_t>(d.nx * d.ny));
    for (PLINT j = 0; j < d.nx; ++j)
      for (PLINT i = 0; i < d.ny; ++i) d.field[j * d.ny + i] = v[i * d.nx + j];
    for (PLINT j = 0; j < d.nx; ++j) d.field_rows.push_back(d.field.data() + j * d.ny);
    const auto [lo, hi] = std::minmax_element(d.field.begin(), d.field.end());
    d.fmin = *lo;
    d.fmax = *hi > *lo ? *hi : *lo + 1;
    MINIDL_CHECK(std::isfinite(d.fmin) && std::isfinite(d.fmax),
                 "plot_samples: the critic field is not finite");
  }
  return d;
}

void draw_samples(const std::vector<PanelData>& panels, const SamplePlotOptions& o, PLINT rows,
                  std::vector<PLFLT>& levels) {
  // Symbols keep their page-relative size on a subpage: shrink the dots as panels multiply.
  const PLFLT dot = 1.0 / std::sqrt(static_cast<PLFLT>(o.columns * rows));
  for (std::size_t k = 0; k < panels.size(); ++k) {
    const PanelData& p = panels[k];
    pladv(static_cast<PLINT>(k) + 1);
    plvpor(0.1, 0.96, 0.08, o.title.empty() ? 0.92 : 0.8);
    plwind(o.xmin, o.xmax, o.ymin, o.ymax);
    if (!p.field.empty()) {
      for (std::size_t i = 0; i < levels.size(); ++i)
        levels[i] = p.fmin + (p.fmax - p.fmin) * static_cast<PLFLT>(i) / (levels.size() - 1);
      plshades(p.field_rows.data(), p.nx, p.ny, nullptr, o.xmin, o.xmax, o.ymin, o.ymax,
               levels.data(), static_cast<PLINT>(levels.size()), 1, 0, 0, plfill, 1, nullptr,
               nullptr);
    }
    plcol0(kGrid);
    plbox("g", 1, 0, "g", 1, 0);
    plschr(0, 0.3 * dot);
    plcol0(kReal);
    if (!p.rx.empty())
      plstring(static_cast<PLINT>(p.rx.size()), p.rx.data(), p.ry.data(), "\u25CF");
    plschr(0, 0.5 * dot);
    plcol0(kFake);
    if (!p.fx.empty())
      plstring(static_cast<PLINT>(p.fx.size()), p.fx.data(), p.fy.data(), "\u25CF");
    plschr(0, 1.0);
    plcol0(kCentre);
    if (!p.cx.empty()) plstring(static_cast<PLINT>(p.cx.size()), p.cx.data(), p.cy.data(), "+");
    plcol0(kInk);
    plschr(0, 0.8);
    plbox("bcnst", 1, 0, "bcnstv", 1, 0);
    plmtex("t", 0.8, 0.5, 0.5, p.title.c_str());
    if (k == 0 && !o.title.empty()) plmtex("t", 2.2, 0.0, 0.0, o.title.c_str());
  }
}

void draw_image(const std::vector<const PLFLT*>& columns, PLINT gw, PLINT gh,
                const ImageGridOptions& o, PLINT title_px, PLINT height) {
  pladv(0);
  const PLFLT top = 1.0 - static_cast<PLFLT>(title_px) / height;
  plvpor(0, 1, 0, top);
  plwind(0, gw, 0, gh);
  plimage(columns.data(), gw, gh, 0, gw, 0, gh, o.low, o.high, 0, gw, 0, gh);
  if (title_px > 0) {
    plvpor(0, 1, top, 1);
    plcol0(1);
    plschr(0, 0.7);
    plmtex("t", -1.5, 0.5, 0.5, o.title.c_str());
  }
}

}  // namespace

Tensor critic_grid(const SamplePlotOptions& o, int nx, int ny) {
  MINIDL_CHECK(nx >= 2 && ny >= 2, "critic_grid: need nx, ny >= 2, got ", nx, ", ", ny);
  std::vector<float> v;
  for (int i = 0; i < ny; ++i)
    for (int j = 0; j < nx; ++j) {
      v.push_back(static_cast<float>(o.xmin + (o.xmax - o.xmin) * j / (nx - 1)));
      v.push_back(static_cast<float>(o.ymin + (o.ymax - o.ymin) * i / (ny - 1)));
    }
  return from_vector(v, {static_cast<std::int64_t>(nx) * ny, 2});
}

void plot_samples(const std::vector<Panel>& panels, const std::string& png_path,
                  const SamplePlotOptions& o) {
  MINIDL_CHECK(!png_path.empty(), "plot_samples: the output path is empty");
  MINIDL_CHECK(!panels.empty(), "plot_samples: no panels");
  MINIDL_CHECK(o.columns >= 1 && o.panel_pixels >= 100 && o.panel_pixels <= 4000,
               "plot_samples: columns must be >= 1 and panel_pixels in [100, 4000], got ",
               o.columns, ", ", o.panel_pixels);
  MINIDL_CHECK(o.xmax > o.xmin && o.ymax > o.ymin, "plot_samples: empty window");
  std::vector<PanelData> data;
  for (const Panel& p : panels) data.push_back(panel_data(p));
  const PLINT rows = static_cast<PLINT>((panels.size() + o.columns - 1) / o.columns);
  std::vector<PLFLT> levels(16);
  render_png(
      png_path, "plot_samples", o.columns * o.panel_pixels, rows * o.panel_pixels,
      [&] { draw_samples(data, o, rows, levels); },
      [&] {
        // One subpage per panel: PLplot then scales text and symbols to the panel, not the page.
        plssub(o.columns, rows);
        const PLINT r[6] = {255, 25, 150, 200, 20, 230}, g[6] = {255, 25, 200, 40, 20, 230},
                    b[6] = {255, 25, 150, 40, 20, 230};
        plscmap0(r, g, b, 6);
        // cmap1 for the critic field: blue (low) through white to orange (high).
        PLFLT pos[3] = {0, 0.5, 1}, c1r[3] = {0.55, 1, 1}, c1g[3] = {0.7, 1, 0.8},
              c1b[3] = {1, 1, 0.55};
        plscmap1l(1, 3, pos, c1r, c1g, c1b, nullptr);
      });
}

Tensor image_grid(const Tensor& images, const ImageGridOptions& o) {
  MINIDL_CHECK(
      images.defined() && (images.dim() == 3 || (images.dim() == 4 && images.shape()[1] == 1)),
      "image_grid: images must be [N, 1, H, W] or [N, H, W], got ",
      images.defined() ? shape_str(images.shape()) : std::string("undefined"));
  MINIDL_CHECK(images.numel() > 0, "image_grid: no images (", shape_str(images.shape()), ")");
  MINIDL_CHECK(o.columns >= 1 && o.padding >= 0 && o.high > o.low,
               "image_grid: need columns >= 1, padding >= 0 and high > low, got ", o.columns, ", ",
               o.padding, ", [", o.low, ", ", o.high, "]");
  const std::int64_t n = images.shape()[0], h = images.shape()[images.dim() - 2],
                     w = images.shape()[images.dim() - 1], p = o.padding;
  const std::int64_t cols = std::min<std::int64_t>(o.columns, n), rows = (n + cols - 1) / cols;
  const std::int64_t gh = rows * (h + p) + p, gw = cols * (w + p) + p;
  Tensor grid = full({gh, gw}, o.low, kFloat64);
  const Tensor src = images.to(kFloat64);
  const double* s = src.data<double>();
  double* g = grid.data<double>();
  for (std::int64_t k = 0; k < n; ++k) {
    const std::int64_t top = p + (k / cols) * (h + p), left = p + (k % cols) * (w + p);
    for (std::int64_t i = 0; i < h; ++i)
      for (std::int64_t j = 0; j < w; ++j) {
        const double v = s[(k * h + i) * w + j];
        // NaN (a diverged generator) is drawn black like the padding.
        g[(top + i) * gw + left + j] = std::isnan(v) ? o.low : std::clamp(v, o.low, o.high);
      }
  }
  return grid;
}

void plot_image_grid(const Tensor& images, const std::string& png_path, const ImageGridOptions& o) {
  MINIDL_CHECK(!png_path.empty(), "plot_image_grid: the output path is empty");
  MINIDL_CHECK(o.pixel_scale >= 1 && o.pixel_scale <= 32,
               "plot_image_grid: pixel_scale must be in [1, 32], got ", o.pixel_scale);
  const Tensor grid = image_grid(images, o);
  const PLINT gh = static_cast<PLINT>(grid.shape()[0]), gw = static_cast<PLINT>(grid.shape()[1]);
  // PLplot indexes a[x][y] with y upwards: column-major with the image's rows flipped.
  std::vector<PLFLT> cells(static_cast<std::size_t>(gw) * gh);
  const double* v = grid.data<double>();
  for (PLINT x = 0; x < gw; ++x)
    for (PLINT y = 0; y < gh; ++y) cells[x * gh + y] = v[(gh - 1 - y) * gw + x];
  std::vector<const PLFLT*> columns;
  for (PLINT x = 0; x < gw; ++x) columns.push_back(cells.data() + x * gh);
  const PLINT title_px = o.title.empty() ? 0 : 28;
  const PLINT width = gw * o.pixel_scale, height = gh * o.pixel_scale + title_px;
  render_png(
      png_path, "plot_image_grid", width, height,
      [&] { draw_image(columns, gw, gh, o, title_px, height); },
      [] {
        const PLINT r[2] = {0, 255}, g[2] = {0, 255}, b[2] = {0, 255};
        plscmap0(r, g, b, 2);
        PLFLT pos[2] = {0, 1}, grey[2] = {0, 1};
        plscmap1l(1, 2, pos, grey, grey, grey, nullptr);  // low -> black, high -> white
      });
}

}  // namespace minidl::train::gan
