// Checkpoints: everything a run needs to continue exactly where it stopped, in one safetensors file
// written atomically (temp file + rename, so a crash never leaves half a checkpoint).
//
// Keys (safetensors tensors; nn/safetensors.h for the format):
//   train.epoch            int64 [1]  epochs completed (a resumed run starts at this + 1)
//   model.<name>           the model's state_dict: parameters and buffers, PyTorch names
//   generator.<name>       int64 [2]  {seed, offset} of each module generator (Dropout's masks)
//   optimizer.<key>        Optimizer::state_dict (moments, step counts, current lrs)
//   scheduler.<key>        LRScheduler::state_dict            (when there is one)
//   plateau.<key>          ReduceLROnPlateau::state_dict      (when there is one)
//   callback.<name>.<key>  each callback's state_dict (EarlyStopping's counters and best weights)
// and the metadata {"format": "minidl-checkpoint", "version": "1", "epoch": "<n>"}.
// The data loader needs nothing: epoch e's order and augmentation are pure functions of its seed
// and e (data/loader.h). So with the same thread count, training 2 epochs, saving, loading into a
// freshly built model/optimizer/loader and training 1 more gives the same bits as 3 epochs
// straight (train/resume_test.cpp).
//
// Loading is all or nothing: every part is checked (names, shapes, dtypes, kinds, the optimizer's
// hyper-parameters); on any error the model, optimizer, scheduler and generators are put back as
// they were and the error names the file. A callback with no saved state keeps its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "train/callbacks.h"

namespace minidl::train {

// The pieces a checkpoint saves or loads; only the model is required.
struct TrainState {
  nn::Module& model;
  optim::Optimizer* optimizer = nullptr;
  optim::LRScheduler* scheduler = nullptr;
  optim::ReduceLROnPlateau* plateau = nullptr;
  std::vector<Callback*> callbacks = {};
};
// The parts of a fit() context.
TrainState train_state(const TrainContext& ctx);

// epochs_done: the number of completed epochs (where a resumed run starts).
void save_checkpoint(const std::string& path, const TrainState& state, std::int64_t epochs_done);
// Loads every part `state` names (each must be in the file); returns epochs_done.
std::int64_t load_checkpoint(const std::string& path, const TrainState& state);
// Just the epoch count of a checkpoint file (validates the file).
std::int64_t checkpoint_epoch(const std::string& path);

// Checkpoint callback: `last_path` after every epoch, `best_path` whenever the monitored value
// improves (strictly: current < best in min mode, > in max mode, as Keras' ModelCheckpoint with
// save_best_only; NaN never improves; an epoch without the monitor in its logs saves no best).
// Either path may be empty (not written). Runs after the other callbacks (run_last), so the saved
// callback state is the epoch's final one. The best value survives a resume (state_dict).
struct CheckpointOptions {
  std::string last_path = "";
  std::string best_path = "";
  std::string monitor = "val_loss";
  Mode mode = Mode::kAuto;
};

class Checkpoint : public Callback {
 public:
  explicit Checkpoint(const CheckpointOptions& options);
  std::string name() const override { return "checkpoint"; }
  bool run_last() const override { return true; }
  bool main_rank_only() const override { return true; }
  void on_train_begin(TrainContext& ctx) override;
  void on_epoch_end(TrainContext& ctx, std::int64_t epoch, const Logs& logs) override;
  optim::StateDict state_dict() const override;
  void load_state_dict(const optim::StateDict& state) override;

  std::optional<double> best() const { return best_; }
  std::int64_t best_epoch() const { return best_epoch_; }  // from 1; 0 before the first best save

 private:
  CheckpointOptions options_;
  Mode mode_;
  std::optional<double> best_;
  std::int64_t best_epoch_ = 0;
};

}  // namespace minidl::train
