// Pictures of a GAN (layer 4), drawn with PLplot's pngcairo device like the other plots of train/
// (train/plot.h) and written atomically (temp file + rename):
// - plot_samples: 2-D generated samples over the real distribution, optionally over the critic's
//   values (the WGAN critic's contour). One panel per Panel, in a grid (PLplot subpages; the
//   overall title goes above the first panel).
// - plot_image_grid: generated images [N, 1, H, W] side by side (the per-epoch grid of an image
//   GAN, torchvision.utils.make_grid's layout: `columns` per row, `padding` pixels between them).
#pragma once

#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace minidl::train::gan {

struct Panel {
  Tensor real = {};     // [N, 2] real samples (light dots), may be undefined
  Tensor fake;          // [M, 2] generated samples (dark dots)
  Tensor centres = {};  // [K, 2] mode centres (crosses), may be undefined
  std::string title = "";
  // The critic's value on a regular grid over the panel's square: critic [ny, nx] with
  // critic[i][j] at (xmin + j (xmax - xmin) / (nx - 1), ymin + i ...). Undefined: no field.
  Tensor critic = {};
};

struct SamplePlotOptions {
  double xmin = -3, xmax = 3, ymin = -3, ymax = 3;  // the square every panel shows
  int columns = 1;                                  // panels per row
  int panel_pixels = 520;                           // each panel is square
  std::string title = "";                           // above the grid, "" for none
};

void plot_samples(const std::vector<Panel>& panels, const std::string& png_path,
                  const SamplePlotOptions& options = {});

struct ImageGridOptions {
  int columns = 8;      // images per row (torchvision's nrow)
  int padding = 2;      // pixels between images and around the grid, drawn at `low`
  double low = -1;      // the value drawn black (a tanh generator's -1) ...
  double high = 1;      // ... and white; values outside are clamped
  int pixel_scale = 3;  // PNG pixels per image pixel
  std::string title = "";
};

// The images [N, 1, H, W] (or [N, H, W]) laid out as one [rows (H + p) + p, columns (W + p) + p]
// float64 matrix, row-major, unused cells and padding at options.low (the picture's content).
Tensor image_grid(const Tensor& images, const ImageGridOptions& options = {});
void plot_image_grid(const Tensor& images, const std::string& png_path,
                     const ImageGridOptions& options = {});

// The grid of points where Panel::critic is evaluated: [ny * nx, 2] float32, rows of constant y.
Tensor critic_grid(const SamplePlotOptions& options, int nx, int ny);

}  // namespace minidl::train::gan
