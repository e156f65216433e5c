// Detection pictures (layer 4): images with their ground-truth boxes (green, class name below)
// and predicted boxes (red, class name and score above), in a grid, drawn with PLplot's pngcairo
// device like the other plots of train/ and written atomically (temp file + rename).
#pragma once

#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace minidl::train {

struct BoxPanel {
  Tensor image;             // float [1, H, W] or [H, W], grey in [0, 1]
  Tensor gt_boxes = {};     // float [G, 4] xyxy in pixels (undefined or empty: none)
  Tensor gt_labels = {};    // int64 [G]
  Tensor pred_boxes = {};   // float [P, 4] xyxy
  Tensor pred_labels = {};  // int64 [P]
  Tensor pred_scores = {};  // float [P] (undefined: no scores printed)
};

struct BoxPlotOptions {
  int columns = 4;                       // panels per row
  int panel_pixels = 300;                // each panel is square
  std::vector<std::string> class_names;  // label -> name; empty: the label number
  std::string title = "";                // above the grid
};

void plot_boxes(const std::vector<BoxPanel>& panels, const std::string& png_path,
                const BoxPlotOptions& options = {});

}  // namespace minidl::train
