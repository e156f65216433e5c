// Training curves as a PNG, drawn with PLplot (its cairo "pngcairo" device; Debian packages
// libplplot-dev and plplot-driver-cairo). No display is needed.
//
// Two panels side by side over the epochs (x = epoch + 1): loss, and accuracy, each with the
// training curve ("loss", "accuracy") and the validation curve ("val_loss", "val_accuracy") when
// present, axes, labels and a legend. A log without any accuracy gives the loss panel alone.
// Missing or NaN points are left out of their curve. The PNG is rendered into a temporary file
// beside the target and renamed over it (atomic, like every file minidl keeps).
#pragma once

#include <string>
#include <vector>

#include "train/callbacks.h"

namespace minidl::train {

struct PlotOptions {
  int width = 1200;  // pixels
  int height = 480;
  std::string title = "";  // above the panels; empty: none
};

// rows: one Logs per epoch, each with "epoch" (as a metric log holds them) or, without it, taken
// as epochs 0, 1, 2, ... in order. Needs at least one finite "loss" or "val_loss" value.
void plot_curves(const std::vector<Logs>& rows, const std::string& png_path,
                 const PlotOptions& options = {});
// Reads a JSON Lines metric log (train/metric_log.h) and plots it.
void plot_metric_log(const std::string& log_path, const std::string& png_path,
                     const PlotOptions& options = {});

}  // namespace minidl::train
