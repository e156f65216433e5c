// The fit loop (layer 4): a short, readable training loop over the pieces below it. A custom loop
// is the same code with your own changes; fit() is meant to be read.
//
//   auto model = std::make_shared<nn::Sequential>(...);
//   optim::AdamW opt(model->parameters(), {.lr = 1e-3});
//   data::DataLoader train(x_train, y_train, {.batch_size = 128, .shuffle = true, .seed = 1});
//   data::DataLoader val(x_val, y_val, {.batch_size = 512});
//   auto stop = std::make_shared<train::EarlyStopping>(
//       train::EarlyStoppingOptions{.patience = 3, .restore_best_weights = true});
//   train::History h = train::fit(*model, opt, train, {.epochs = 15, .val_loader = &val,
//                                 .callbacks = {stop}, .log_path = "out/log.jsonl",
//                                 .plot_path = "out/curves.png"});
//
// Each epoch e, numbered from 1 (from initial_epoch + 1 to epochs; the same number in callbacks,
// History, the JSON log, the plot and every message):
//   model.train(); for each batch of train_loader.epoch(e - 1) (the loader's 0-based index):
//     zero_grad; output = model(inputs); loss = loss_fn(output, targets); backward(loss);
//     clip (optional); optimizer.step(); scheduler.step() (per-batch schedules)
//   validation (model.eval(), NoGradGuard) when val_loader is set
//   scheduler.step() (per-epoch schedules) or plateau.step(logs[plateau_monitor])
//   callbacks' on_epoch_end(logs); plot; stop if a callback set ctx.stop_training
// Logs per epoch: "loss" (training loss: the batch losses weighted by batch size, so the mean
// over samples for a mean-reduced loss, measured while the weights change, as Keras reports it),
// the metrics on the training batches, "val_loss" and "val_<metric>", "lr" (group 0's lr for the
// epoch's first batch) and "seconds" (wall time of the epoch, validation included).
//
// Distributed (FitOptions::distributed, dist/; run under `mpirun -np P`): data parallelism after
// PyTorch's DistributedDataParallel. train_loader's batch_size B is the global batch: each rank
// trains on its strided shard of the same epoch order with batches of B / P (dist::shard_loader),
// the gradients are averaged over the ranks before each step (dist::GradientReducer, before
// clipping), and rank 0's weights are broadcast first (after a resume too). So the steps are those
// of one process with batch B, up to the rounding of the sum. The logs are the ranks' reduced
// values (loss and metrics over all samples; validation over disjoint shards of val_loader), the
// same on every rank, so callbacks decide alike; the progress bar, the metric log, the plot and
// the callbacks that write files (main_rank_only: Checkpoint, MetricLog) run on rank 0 only.
// BatchNorm normalises with each rank's local batch (B / P samples; DDP without SyncBatchNorm)
// and rank 0's running statistics are sent to every rank after each epoch (DDP's buffers).
// A checkpoint holds no rank count: it resumes at any world size (the epoch order depends on
// the seed and the epoch only). With one rank (no mpirun, or built without MPI) the option
// changes nothing.
//
// Metrics, by name, over class scores [N, C] and int64 labels [N] (metrics/classification.h):
// "accuracy", "top<k>_accuracy" (e.g. "top5_accuracy"), "macro_f1", "weighted_f1". Set
// metrics = {} for a model that is not a classifier.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "data/loader.h"
#include "dist/gradients.h"
#include "train/callbacks.h"
#include "train/progress.h"

namespace minidl::train {

// loss = loss_fn(model output, batch targets); a scalar Variable. Built from any of
//   - a callable (const Variable& output, const Tensor& target) -> Variable;
//   - a callable (const Variable& output, const Variable& target) -> Variable, the target
//     wrapped as a constant Variable, so a loss lambda needs no adapter;
//   - a loss function of losses/ with an options struct as its third parameter, e.g.
//     `.loss_fn = losses::mse_loss` (its default options; capture other options in a lambda).
class LossFn {
 public:
  LossFn() = default;
  template <class F>
  requires std::is_invocable_r_v<Variable, const F&, const Variable&, const Tensor&> LossFn(F f)
      : fn_(std::move(f)) {}  // NOLINT(google-explicit-constructor): as std::function
  template <class F>
  requires(!std::is_invocable_v<const F&, const Variable&, const Tensor&> &&
           std::is_invocable_r_v<Variable, const F&, const Variable&, const Variable&>)
      LossFn(F f)  // NOLINT(google-explicit-constructor)
      : fn_([f = std::move(f)](const Variable& out, const Tensor& t) {
          return f(out, Variable(t));
        }) {}
  template <class Options>
  LossFn(Variable (*f)(const Variable&, const Variable&, const Options&))  // NOLINT
      : fn_([f](const Variable& out, const Tensor& t) { return f(out, Variable(t), Options{}); }) {}

  Variable operator()(const Variable& output, const Tensor& target) const {
    return fn_(output, target);
  }
  explicit operator bool() const { return static_cast<bool>(fn_); }

 private:
  std::function<Variable(const Variable&, const Tensor&)> fn_;
};

// The default loss: mean cross entropy of logits [N, C] against int64 labels [N],
//   -(1/N) sum_i log_softmax(z_i)[y_i],
// a thin adapter over losses::cross_entropy (losses/classification.h) with PyTorch's defaults.
// For class weights, ignore_index or label smoothing, call that from a LossFn. Outputs with one
// column are an error, not a loss of 0: cross entropy over one class is log(1) = 0 for every
// input, so a regressor trained with this default would silently learn nothing (set
// FitOptions::loss_fn, e.g. losses::mse_loss or losses::binary_cross_entropy_with_logits).
Variable cross_entropy(const Variable& logits, const Tensor& labels);

enum class ScheduleStep { kEpoch, kBatch };

struct FitOptions {
  std::int64_t epochs = 1;  // the number of the last epoch (Keras' epochs; see initial_epoch)
  const data::DataLoader* val_loader = nullptr;
  LossFn loss_fn = cross_entropy;
  std::vector<std::string> metrics = {"accuracy"};
  optim::LRScheduler* scheduler = nullptr;
  ScheduleStep schedule_step = ScheduleStep::kEpoch;
  optim::ReduceLROnPlateau* plateau = nullptr;  // stepped each epoch with logs[plateau_monitor]
  std::string plateau_monitor = "val_loss";
  std::vector<std::shared_ptr<Callback>> callbacks = {};
  double clip_grad_norm = 0;   // > 0: optim::clip_grad_norm_ with this max norm (L2)
  double clip_grad_value = 0;  // > 0: optim::clip_grad_value_ with this bound
  std::string log_path = "";   // JSON Lines metric log (a MetricLog callback), "" for none
  std::string plot_path = "";  // curves PNG redrawn after every epoch, "" for none
  // Resume: load this checkpoint (train/checkpoint.h) into the model, optimizer, scheduler,
  // plateau, generators and callbacks, and continue at the epoch it was saved after.
  std::string resume_from = "";
  std::int64_t initial_epoch =
      0;                     // epochs already done without a checkpoint (Keras' initial_epoch)
  bool distributed = false;  // data parallel over the MPI ranks (see above)
  dist::ReducerOptions reducer = {};     // bucket size and reduction order when distributed
  int verbose = 1;                       // 0 silent, 1 progress bar on a terminal, 2 plain lines
  std::ostream* progress_out = nullptr;  // default std::cout
  int progress_tty = -1;                 // -1 detect (isatty), 0 plain lines, 1 bar
};

struct History {
  std::vector<std::int64_t> epoch;  // the number (from 1) of each epoch run by this fit()
  std::vector<Logs> logs;           // its logs
  std::int64_t initial_epoch = 0;
  bool stopped = false;              // a callback stopped training before `epochs`
  dist::ReducerStats communication;  // the gradient averaging of a distributed fit
  // One value per epoch of a key ("loss", "val_accuracy", ...); NaN where an epoch lacks it.
  std::vector<double> series(const std::string& key) const;
  std::vector<double> loss() const { return series("loss"); }
  std::vector<double> accuracy() const { return series("accuracy"); }
  std::vector<double> val_loss() const { return series("val_loss"); }
  std::vector<double> val_accuracy() const { return series("val_accuracy"); }
  std::vector<double> lr() const { return series("lr"); }
  std::vector<double> seconds() const { return series("seconds"); }
};

History fit(nn::Module& model, optim::Optimizer& optimizer, const data::DataLoader& train_loader,
            const FitOptions& options = {});

// Loss and metrics of the model over a loader's epoch 0, in eval mode without recording (the
// model's mode is restored). Keys "loss" and the metric names (no "val_" prefix).
Logs evaluate(nn::Module& model, const data::DataLoader& loader,
              const LossFn& loss_fn = cross_entropy,
              const std::vector<std::string>& metrics = {"accuracy"});

// The model's outputs for x [N, ...] in batches of batch_size, concatenated along axis 0; eval
// mode without recording (the model's mode is restored).
Tensor predict(nn::Module& model, const Tensor& x, std::int64_t batch_size = 256);

}  // namespace minidl::train
