// The metric log: one JSON object per epoch, one per line (JSON Lines), e.g.
//   {"epoch":0,"loss":0.5213,"accuracy":0.8123,"val_loss":0.4471,"val_accuracy":0.8402,
//    "lr":0.001,"seconds":2.31}
// "epoch" is 0-based like Keras' CSVLogger (printed and plotted as epoch + 1); the other keys are
// the epoch's logs. A NaN or infinite value is written as null (JSON has no NaN) and read back as
// NaN.
//
// Atomic by rewriting: after each epoch the whole file is rewritten through write_file_atomic
// (temp file + rename), so a reader or a crash sees either the previous complete log or the new
// one, never a half-written line. That costs O(epochs^2) bytes over a run, a few hundred KB for
// hundreds of epochs, nothing beside training. A resumed run (ctx.initial_epoch > 0) keeps the
// file's rows for epochs before initial_epoch and drops later ones (they belong to the run that
// was interrupted); a fresh run starts an empty log.
#pragma once

#include <string>
#include <vector>

#include "train/callbacks.h"

namespace minidl::train {

// Rows of a metric log (each with its "epoch"); an unreadable line is an error naming the file
// and the line number. An empty file has no rows.
std::vector<Logs> read_metric_log(const std::string& path);
// Writes rows atomically as JSON Lines.
void write_metric_log(const std::string& path, const std::vector<Logs>& rows);
// One row as a JSON object on one line (keys sorted, "epoch" an integer first).
std::string metric_log_line(const Logs& row);

class MetricLog : public Callback {
 public:
  explicit MetricLog(std::string path);
  std::string name() const override { return "metric_log"; }
  bool main_rank_only() const override { return true; }
  void on_train_begin(TrainContext& ctx) override;
  void on_epoch_end(TrainContext& ctx, std::int64_t epoch, const Logs& logs) override;

  const std::string& path() const { return path_; }
  // Every row of the log so far (including those kept from before a resume).
  const std::vector<Logs>& rows() const { return rows_; }

 private:
  std::string path_;
  std::vector<Logs> rows_;
};

}  // namespace minidl::train
