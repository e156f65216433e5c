// Pictures of a 2-D GAN (layer 4): generated samples over the real distribution, optionally over
// the critic's values (the WGAN critic's contour), drawn with PLplot's pngcairo device like the
// other plots of train/ (train/plot.h). One panel per Panel, in a grid (PLplot subpages; the
// overall title goes above the first panel); the PNG is written
// atomically (temp file + rename).
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

// The grid of points where Panel::critic is evaluated: [ny * nx, 2] float32, rows of constant y.
Tensor critic_grid(const SamplePlotOptions& options, int nx, int ny);

}  // namespace minidl::train::gan
