// Callbacks of the fit loop (layer 4, namespace minidl::train), after Keras' callback API.
//
// fit() calls, in this order:
//   on_train_begin(ctx)
//   for each epoch e (numbered from 1):  on_epoch_begin(ctx, e)
//                                on_batch_end(ctx, b, {"loss": batch loss})   per training batch
//                                on_epoch_end(ctx, e, logs)   after validation and the scheduler
//   on_train_end(ctx, last logs)
// `logs` maps names to numbers: "loss", "accuracy", ..., "val_loss", "val_accuracy", ..., "lr",
// "seconds". A callback stops training by setting ctx.stop_training (Keras' model.stop_training):
// set in on_batch_end it ends the epoch after that batch (validation and on_epoch_end still run);
// set in on_epoch_end it ends training after that epoch.
//
// Callbacks run in the order given, except that those whose run_last() is true (Checkpoint) run
// after all the others in each phase, so what they save is already updated for the epoch.
// A callback with state to keep across a resume returns it from state_dict(); checkpoints save it
// under "callback.<name>." (checkpoint.h).
//
// Shipped here: EarlyStopping and TerminateOnNaN. Checkpoint is in train/checkpoint.h, MetricLog
// in train/metric_log.h.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "nn/module.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"

namespace minidl::train {

using Logs = std::map<std::string, double>;

class Callback;

// What a callback may see and touch during fit().
struct TrainContext {
  nn::Module& model;
  optim::Optimizer* optimizer = nullptr;
  optim::LRScheduler* scheduler = nullptr;
  optim::ReduceLROnPlateau* plateau = nullptr;
  std::vector<Callback*> callbacks = {};  // every callback of this fit(), in call order
  std::int64_t epochs = 0;                // the epoch count fit() runs up to
  std::int64_t initial_epoch = 0;         // first epoch of this run (> 0 when resumed)
  bool stop_training = false;             // set to stop (see above)
  // Prints one plain line through fit()'s progress output (nothing when verbose = 0).
  std::function<void(const std::string&)> message = {};
  void print(const std::string& line) const {
    if (message) message(line);
  }
};

class Callback {
 public:
  virtual ~Callback() = default;
  // A short snake_case name: the key prefix of its state in checkpoints.
  virtual std::string name() const { return "callback"; }
  virtual void on_train_begin(TrainContext& ctx) {}
  virtual void on_train_end(TrainContext& ctx, const Logs& logs) {}
  virtual void on_epoch_begin(TrainContext& ctx, std::int64_t epoch) {}
  virtual void on_epoch_end(TrainContext& ctx, std::int64_t epoch, const Logs& logs) {}
  virtual void on_batch_end(TrainContext& ctx, std::int64_t batch, const Logs& logs) {}
  virtual bool run_last() const { return false; }
  // In a distributed fit (FitOptions::distributed), a callback that writes files (checkpoints,
  // logs) runs on rank 0 only; the others run on every rank and see the same logs there.
  virtual bool main_rank_only() const { return false; }
  // State kept across a resume (empty: none). load_state_dict gets exactly what state_dict gave.
  virtual optim::StateDict state_dict() const { return {}; }
  virtual void load_state_dict(const optim::StateDict& state) {}
};

// Whether a smaller or larger monitored value is better.
enum class Mode { kAuto, kMin, kMax };
// kAuto resolved from the name with its "val_" prefix removed, as Keras 3 does from the compiled
// metrics: "loss" (and names ending in "_loss") -> kMin; "accuracy", "top<k>_accuracy",
// "macro_f1", "weighted_f1" -> kMax; any other name is an error naming `who` and the monitor.
// EarlyStopping and Checkpoint resolve it in their constructors (Keras at the first epoch end), so
// a monitor of unknown direction fails before any training.
Mode resolve_mode(const std::string& who, const std::string& monitor, Mode mode);

// EarlyStopping, Keras 3 semantics exactly (keras/src/callbacks/early_stopping.py).
//
// Let better(a, b) = a + min_delta < b (min mode) or a - min_delta > b (max mode), min_delta taken
// as |min_delta|, and better(a, none) = true. At the end of each epoch e whose logs hold the
// monitor (an epoch without it is skipped: Keras warns, this prints one message via ctx.print):
//   if e <= start_from_epoch:              nothing (warm-up: Keras' e < start with 0-based e)
//   if restoring and no snapshot yet:      snapshot the weights, best_epoch = e
//   wait += 1
//   if better(current, best):              best = current, best_epoch = e, snapshot if restoring;
//                                          wait = 0 only if also better(current, baseline) (or no
//                                          baseline); the stop test is skipped this epoch
//   else if wait >= patience and e > 1:    stopped_epoch = e, ctx.stop_training = true
// on_train_end: with restore_best_weights and a snapshot, the weights are set back to the best
// epoch's, whether or not this callback stopped training (Keras 3; Keras 2 restored only when it
// had stopped the run, keras #12511).
// Edge cases that follow from the rules (and are tested in early_stopping_test.cpp):
//   - an improvement by no more than min_delta is no improvement: wait grows, best stays;
//   - a baseline never beaten: best still tracks the best value (and the snapshot), but wait is
//     never reset, so the first epoch that does not improve on best once wait >= patience stops
//     training (an epoch that improves never stops it, since it skips the stop test);
//   - patience 0: the first epoch after epoch 1 that does not improve stops training;
//   - a NaN monitor value never improves (but a NaN first value becomes best, as in Keras);
//   - stopped_epoch stays 0 when training was not stopped; epochs are numbered from 1 as in
//     fit() (Keras' callbacks get 0-based indexes and print them plus 1: here one number
//     serves both), so best_epoch 0 means none yet.
// The weights snapshot is the model's state_dict (parameters and buffers: Keras' get_weights()).
struct EarlyStoppingOptions {
  std::string monitor = "val_loss";
  double min_delta = 0.0;
  std::int64_t patience = 0;
  Mode mode = Mode::kAuto;
  std::optional<double> baseline = std::nullopt;
  bool restore_best_weights = false;
  std::int64_t start_from_epoch = 0;
  bool verbose = false;  // prints when it stops and when it restores (ctx.print)
};

class EarlyStopping : public Callback {
 public:
  explicit EarlyStopping(const EarlyStoppingOptions& options = {});
  std::string name() const override { return "early_stopping"; }
  void on_train_begin(TrainContext& ctx) override;
  void on_epoch_end(TrainContext& ctx, std::int64_t epoch, const Logs& logs) override;
  void on_train_end(TrainContext& ctx, const Logs& logs) override;
  optim::StateDict state_dict() const override;
  void load_state_dict(const optim::StateDict& state) override;

  const EarlyStoppingOptions& options() const { return options_; }
  std::int64_t wait() const { return wait_; }
  std::int64_t stopped_epoch() const { return stopped_epoch_; }  // 0 when not stopped
  std::int64_t best_epoch() const { return best_epoch_; }
  std::optional<double> best() const { return best_; }
  bool has_best_weights() const { return !best_weights_.empty(); }
  bool restored() const { return restored_; }  // weights set back at on_train_end

 private:
  bool is_improvement(double value, std::optional<double> reference) const;

  EarlyStoppingOptions options_;
  Mode mode_;  // resolved: kMin or kMax
  std::int64_t wait_ = 0;
  std::int64_t stopped_epoch_ = 0;
  std::int64_t best_epoch_ = 0;
  std::optional<double> best_;
  nn::StateDict best_weights_;
  bool warned_missing_ = false;
  bool restored_ = false;
};

// Stops training at the first batch whose loss is NaN or infinite (Keras' TerminateOnNaN).
class TerminateOnNaN : public Callback {
 public:
  std::string name() const override { return "terminate_on_nan"; }
  void on_batch_end(TrainContext& ctx, std::int64_t batch, const Logs& logs) override;
  bool terminated() const { return terminated_; }

 private:
  bool terminated_ = false;
};

}  // namespace minidl::train
