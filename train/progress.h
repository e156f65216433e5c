// Progress output of the fit loop.
//
// On a terminal: one line per epoch, redrawn in place with a carriage return at most every
// kRedrawSeconds, showing batches done, batches/s, ETA and the running loss:
//   epoch 3/10 [=========>          ] 240/469  118.2 batch/s  ETA 1.9s  loss 0.4312
// and at the end of the epoch replaced by the summary line. When the output is not a terminal
// (CI logs, files, pipes) nothing is redrawn: each epoch prints exactly one plain summary line,
//   epoch 3/10 - 469 batches - 4.0s (121.3 batch/s) - loss 0.4123 - accuracy 0.8512 - val_loss ...
// so a log grows by one line per epoch whatever the batch count. Messages (early stopping, ...)
// are plain lines in both modes.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>

#include "train/callbacks.h"

namespace minidl::train {

struct ProgressOptions {
  int verbose = 1;              // 0 silent; 1 bar on a terminal, plain lines otherwise; 2 plain
  std::ostream* out = nullptr;  // default std::cout
  // Whether `out` is a terminal; by default isatty(stdout) when out is std::cout, else false.
  int tty = -1;  // -1 detect, 0 no, 1 yes
  // What the bar counts and the value it shows (the RL trainers: "iter", "AverageEpRet").
  std::string unit = "batch";
  std::string value_name = "loss";
};

class Progress {
 public:
  static constexpr double kRedrawSeconds = 0.1;

  explicit Progress(const ProgressOptions& options = {});
  bool enabled() const { return verbose_ > 0; }
  bool is_tty() const { return tty_; }

  // epoch is numbered from 1, as fit() numbers them; printed as "epoch <epoch>/<epochs>".
  void begin_epoch(std::int64_t epoch, std::int64_t epochs, std::int64_t num_batches);
  // After batch `batch` (0-based) with the running mean loss of the epoch so far.
  void batch(std::int64_t batch, double running_loss);
  // The summary line (logs: loss, metrics, val_*, lr; "seconds" is the epoch's wall time, the
  // batch rate is over the training batches alone).
  void end_epoch(const Logs& logs);
  // A plain line (clears an unfinished bar first).
  void message(const std::string& line);

  // "epoch 3/10 - 469 batches - ..." without the newline (used by both modes).
  static std::string summary_line(std::int64_t epoch, std::int64_t epochs, std::int64_t batches,
                                  double train_seconds, const Logs& logs);

 private:
  void draw(std::int64_t done, double running_loss);

  std::ostream* out_;
  int verbose_;
  bool tty_;
  bool bar_open_ = false;
  std::string unit_, value_name_;
  std::int64_t epoch_ = 0, epochs_ = 0, num_batches_ = 0, batches_done_ = 0;
  double train_seconds_ = 0;  // from begin_epoch to the last batch
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace minidl::train
