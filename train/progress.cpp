#include "train/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

namespace minidl::train {
namespace {

constexpr int kBarWidth = 20;

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// Metrics in 4 decimals, the lr in short scientific form when small.
std::string value_str(const std::string& key, double v) {
  if (key == "lr") {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
  }
  return fixed(v, 4);
}

}  // namespace

Progress::Progress(const ProgressOptions& options)
    : out_(options.out ? options.out : &std::cout),
      verbose_(options.verbose),
      unit_(options.unit),
      value_name_(options.value_name) {
  MINIDL_CHECK(verbose_ >= 0 && verbose_ <= 2, "Progress: verbose must be 0, 1 or 2, got ",
               verbose_);
  if (options.tty >= 0)
    tty_ = options.tty == 1;
  else
    tty_ = out_ == &std::cout && ::isatty(STDOUT_FILENO) == 1;
  if (verbose_ == 2) tty_ = false;
}

std::string Progress::summary_line(std::int64_t epoch, std::int64_t epochs, std::int64_t batches,
                                   double train_seconds, const Logs& logs) {
  std::ostringstream os;
  os << "epoch " << epoch << "/" << epochs << " - " << batches << " batches";
  if (auto it = logs.find("seconds"); it != logs.end()) os << " - " << fixed(it->second, 1) << "s";
  if (train_seconds > 0)
    os << " (" << fixed(static_cast<double>(batches) / train_seconds, 1) << " batch/s)";
  // The loss, the training metrics, the validation loss and metrics, then the lr.
  auto show = [&](const std::string& k, double v) { os << " - " << k << " " << value_str(k, v); };
  for (const char* first : {"loss", "val_loss"}) {
    const std::string prefix = std::string(first) == "loss" ? "" : "val_";
    if (auto it = logs.find(first); it != logs.end()) show(it->first, it->second);
    for (const auto& [k, v] : logs) {
      const bool is_val = k.rfind("val_", 0) == 0;
      if (k == first || k == "seconds" || k == "epoch" || k == "lr" || is_val != !prefix.empty())
        continue;
      show(k, v);
    }
  }
  if (auto it = logs.find("lr"); it != logs.end()) show(it->first, it->second);
  return os.str();
}

void Progress::begin_epoch(std::int64_t epoch, std::int64_t epochs, std::int64_t num_batches) {
  epoch_ = epoch;
  epochs_ = epochs;
  num_batches_ = num_batches;
  batches_done_ = 0;
  train_seconds_ = 0;
  start_ = std::chrono::steady_clock::now();
  last_draw_ = start_;
  if (enabled() && tty_) draw(0, std::nan(""));
}

void Progress::batch(std::int64_t batch, double running_loss) {
  batches_done_ = batch + 1;
  train_seconds_ = seconds_since(start_);
  if (!enabled() || !tty_) return;
  // Redraws are rate-limited: a terminal that scrolls thousands of lines a second slows training.
  if (seconds_since(last_draw_) < kRedrawSeconds && batches_done_ < num_batches_) return;
  draw(batches_done_, running_loss);
}

void Progress::draw(std::int64_t done, double running_loss) {
  last_draw_ = std::chrono::steady_clock::now();
  const double elapsed = seconds_since(start_);
  const int filled = num_batches_ > 0 ? static_cast<int>(kBarWidth * done / num_batches_) : 0;
  std::string bar(static_cast<std::size_t>(kBarWidth), ' ');
  for (int i = 0; i < filled; ++i) bar[static_cast<std::size_t>(i)] = '=';
  if (filled < kBarWidth) bar[static_cast<std::size_t>(filled)] = '>';
  std::ostringstream os;
  os << "\repoch " << epoch_ << "/" << epochs_ << " [" << bar << "] " << done << "/"
     << num_batches_;
  if (done > 0 && elapsed > 0) {
    const double rate = static_cast<double>(done) / elapsed;
    os << "  " << fixed(rate, 1) << " " << unit_ << "/s  ETA "
       << fixed(static_cast<double>(num_batches_ - done) / rate, 1) << "s";
  }
  if (!std::isnan(running_loss)) os << "  " << value_name_ << " " << fixed(running_loss, 4);
  os << "\x1b[K";  // erase what a longer previous line left
  *out_ << os.str() << std::flush;
  bar_open_ = true;
}

void Progress::end_epoch(const Logs& logs) {
  if (!enabled()) return;
  const std::string line = summary_line(epoch_, epochs_, batches_done_, train_seconds_, logs);
  if (tty_)
    *out_ << "\r" << line << "\x1b[K\n" << std::flush;
  else
    *out_ << line << "\n" << std::flush;
  bar_open_ = false;
}

void Progress::message(const std::string& line) {
  if (!enabled()) return;
  if (bar_open_) *out_ << "\r\x1b[K";
  *out_ << line << "\n" << std::flush;
  bar_open_ = false;
}

}  // namespace minidl::train
