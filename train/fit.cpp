#include "train/fit.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>

#include "autograd/functional.h"
#include "autograd/profiler.h"
#include "autograd/scope.h"
#include "autograd/tape.h"
#include "dist/comm.h"
#include "dist/sampler.h"
#include "losses/classification.h"
#include "metrics/classification.h"
#include "optim/clip.h"
#include "tensor/ops.h"
#include "train/checkpoint.h"
#include "train/metric_log.h"
#include "train/plot.h"
#include "train/plplot.h"

namespace minidl::train {
namespace {

// Restores every module's own training flag on scope exit (a model may mix modes on purpose,
// e.g. a frozen BatchNorm kept in eval mode).
class ModeGuard {
 public:
  explicit ModeGuard(nn::Module& model) {
    for (auto& [name, m] : model.named_modules()) modes_.emplace_back(m, m->is_training());
  }
  ~ModeGuard() {
    // Parents first: train() recurses, so each child's own flag is set after its parent's.
    for (auto& [m, on] : modes_) m->train(on);
  }
  ModeGuard(const ModeGuard&) = delete;
  ModeGuard& operator=(const ModeGuard&) = delete;

 private:
  std::vector<std::pair<nn::Module*, bool>> modes_;
};

// The named metrics of one pass, accumulated batch by batch.
class MetricSet {
 public:
  explicit MetricSet(const std::vector<std::string>& names) : names_(names) {
    for (const std::string& n : names) {
      if (n == "accuracy" || n == "macro_f1" || n == "weighted_f1") continue;
      const std::string digits = n.size() > 12 ? n.substr(3, n.size() - 12) : "";
      const bool top_k = n.rfind("top", 0) == 0 && n.size() > 12 &&
                         n.compare(n.size() - 9, 9, "_accuracy") == 0 &&
                         digits.find_first_not_of("0123456789") == std::string::npos;
      MINIDL_CHECK(top_k, "fit: unknown metric '", n,
                   "'; known: accuracy, top<k>_accuracy (e.g. top5_accuracy), macro_f1, "
                   "weighted_f1");
      ks_.push_back(std::stoll(digits));
    }
  }

  void update(const Tensor& output, const Tensor& target) {
    if (names_.empty()) return;
    MINIDL_CHECK(output.dim() == 2 && is_floating(output.dtype()) && target.defined() &&
                     target.dtype() == kInt64 && target.dim() == 1,
                 "fit: the metrics need class scores [N, C] and int64 labels [N], got output ",
                 dtype_name(output.dtype()), " ", shape_str(output.shape()), " and targets ",
                 target.defined()
                     ? std::string(dtype_name(target.dtype())) + " " + shape_str(target.shape())
                     : std::string("undefined"),
                 " (set FitOptions::metrics = {} for a model that is not a classifier)");
    if (!acc_) acc_.emplace(output.size(1), ks_);
    acc_->update(output, target);
  }

  // Sums the counts over the ranks (a rank that saw no sample learns C from the others).
  void reduce_over_ranks() {
    if (names_.empty()) return;
    const double classes = dist::allreduce_max(acc_ ? double(acc_->num_classes()) : 0.0);
    if (classes == 0) return;
    if (!acc_) acc_.emplace(static_cast<std::int64_t>(classes), ks_);
    std::vector<std::int64_t> c = acc_->counts();
    dist::allreduce_sum(c);
    acc_->set_counts(c);
  }

  void write(Logs& logs, const std::string& prefix) const {
    if (!acc_ || acc_->count() == 0) return;
    std::optional<metrics::ClassificationReport> report;
    std::size_t k = 0;
    for (const std::string& n : names_) {
      double v = 0;
      if (n == "accuracy") {
        v = acc_->accuracy();
      } else if (n == "macro_f1" || n == "weighted_f1") {
        if (!report) report = acc_->report();
        v = n == "macro_f1" ? report->macro_f1 : report->weighted_f1;
      } else {
        v = acc_->top_k_accuracy(ks_[k++]);
      }
      logs[prefix + n] = v;
    }
  }

 private:
  std::vector<std::string> names_;
  std::vector<std::int64_t> ks_;
  std::optional<metrics::ClassificationAccumulator> acc_;
};

double scalar_loss(const Variable& loss) {
  MINIDL_CHECK(loss.defined() && loss.numel() == 1, "fit: loss_fn must return a scalar, got shape ",
               loss.defined() ? shape_str(loss.shape()) : std::string("(undefined)"));
  return loss.item();
}

bool has_finite_loss(const std::vector<Logs>& rows) {
  for (const Logs& row : rows)
    for (const char* key : {"loss", "val_loss"})
      if (auto it = row.find(key); it != row.end() && std::isfinite(it->second)) return true;
  return false;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// One pass over loader.epoch(epoch), stopping early when a callback sets ctx.stop_training.
// Returns "loss" (batch losses weighted by batch size) and the training metrics.
// With a reducer (distributed), gradients are averaged over the ranks before clipping, and the
// batch loss the callbacks see and the epoch's logs are over all ranks' samples.
Logs train_one_epoch(nn::Module& model, optim::Optimizer& optimizer, const data::DataLoader& loader,
                     std::int64_t epoch, const FitOptions& options, TrainContext& ctx,
                     const std::vector<Callback*>& hooks, Progress& progress,
                     dist::GradientReducer* reducer) {
  MetricSet metric_set(options.metrics);
  double loss_sum = 0;
  std::int64_t samples = 0, index = 0;
  for (data::Batch& batch : loader.epoch(epoch)) {
    const ProfileScope step("train_step", ProfileKind::kStep);  // autograd/profiler.h
    optimizer.zero_grad();
    Variable output = model(Variable(batch.inputs));
    Variable loss;
    {
      NameScope scope("loss");  // the tape and the DOT export group the loss's nodes under it
      loss = options.loss_fn(output, batch.targets);
    }
    const double batch_loss = scalar_loss(loss);
    backward(loss);
    if (reducer) {
      const ProfileScope comm("allreduce");
      reducer->reduce();
    }
    {
      const ProfileScope update("optimizer");
      if (options.clip_grad_norm > 0)
        optim::clip_grad_norm_(optimizer.parameters(), options.clip_grad_norm);
      if (options.clip_grad_value > 0)
        optim::clip_grad_value_(optimizer.parameters(), options.clip_grad_value);
      optimizer.step();
      if (options.scheduler && options.schedule_step == ScheduleStep::kBatch)
        options.scheduler->step();
    }

    const std::int64_t n = batch.inputs.size(0);
    loss_sum += batch_loss * static_cast<double>(n);
    samples += n;
    metric_set.update(output.value(), batch.targets);
    progress.batch(index, loss_sum / static_cast<double>(samples));
    double hook_loss = batch_loss;
    if (reducer) {
      std::vector<double> sums{batch_loss * static_cast<double>(n), static_cast<double>(n)};
      dist::allreduce_sum(sums);
      hook_loss = sums[0] / sums[1];
    }
    for (Callback* cb : hooks) cb->on_batch_end(ctx, index, {{"loss", hook_loss}});
    ++index;
    if (ctx.stop_training) break;
  }
  if (reducer) {
    std::vector<double> sums{loss_sum, static_cast<double>(samples)};
    dist::allreduce_sum(sums);
    loss_sum = sums[0];
    samples = static_cast<std::int64_t>(sums[1]);
    metric_set.reduce_over_ranks();
  }
  Logs logs{{"loss", loss_sum / static_cast<double>(samples)}};
  metric_set.write(logs, "");
  return logs;
}

// evaluate(), with the sums over the ranks when `reduce` (each rank holds a disjoint shard).
Logs evaluate_impl(nn::Module& model, const data::DataLoader& loader, const LossFn& loss_fn,
                   const std::vector<std::string>& metrics, bool reduce) {
  MINIDL_CHECK(static_cast<bool>(loss_fn), "evaluate: loss_fn is empty");
  ModeGuard mode(model);
  model.eval();
  NoGradGuard no_grad;
  MetricSet metric_set(metrics);
  double loss_sum = 0;
  std::int64_t samples = 0;
  for (data::Batch& batch : loader.epoch(0)) {
    Variable output = model(Variable(batch.inputs));
    const std::int64_t n = batch.inputs.size(0);
    loss_sum += scalar_loss(loss_fn(output, batch.targets)) * static_cast<double>(n);
    samples += n;
    metric_set.update(output.value(), batch.targets);
  }
  if (reduce) {
    std::vector<double> sums{loss_sum, static_cast<double>(samples)};
    dist::allreduce_sum(sums);
    loss_sum = sums[0];
    samples = static_cast<std::int64_t>(sums[1]);
    metric_set.reduce_over_ranks();
  }
  MINIDL_CHECK(samples > 0, "evaluate: the loader has no samples");
  Logs logs{{"loss", loss_sum / static_cast<double>(samples)}};
  metric_set.write(logs, "");
  return logs;
}

}  // namespace

Variable cross_entropy(const Variable& logits, const Tensor& labels) {
  MINIDL_CHECK(labels.defined(), "cross_entropy: labels are undefined");
  MINIDL_CHECK(logits.dim() != 2 || logits.shape()[1] != 1,
               "train::cross_entropy (fit's default loss_fn): the model's output has one column ",
               shape_str(logits.shape()),
               " and cross entropy over one class is 0 for every input; "
               "set FitOptions::loss_fn for this model (e.g. losses::mse_loss for regression, "
               "losses::binary_cross_entropy_with_logits for one logit)");
  return losses::cross_entropy(logits, Variable(labels));
}

std::vector<double> History::series(const std::string& key) const {
  std::vector<double> out;
  for (const Logs& l : logs) {
    auto it = l.find(key);
    out.push_back(it == l.end() ? std::numeric_limits<double>::quiet_NaN() : it->second);
  }
  return out;
}

Logs evaluate(nn::Module& model, const data::DataLoader& loader, const LossFn& loss_fn,
              const std::vector<std::string>& metrics) {
  return evaluate_impl(model, loader, loss_fn, metrics, false);
}

Tensor predict(nn::Module& model, const Tensor& x, std::int64_t batch_size) {
  MINIDL_CHECK(batch_size > 0, "predict: batch_size must be positive, got ", batch_size);
  MINIDL_CHECK(x.defined() && x.dim() >= 1 && x.size(0) > 0, "predict: needs inputs [N, ...]");
  ModeGuard mode(model);
  model.eval();
  NoGradGuard no_grad;
  std::vector<Tensor> outputs;
  for (std::int64_t start = 0; start < x.size(0); start += batch_size) {
    const std::int64_t len = std::min(batch_size, x.size(0) - start);
    outputs.push_back(model(Variable(x.narrow_rows(start, len))).value());
  }
  return outputs.size() == 1 ? outputs[0] : concat(outputs, 0);
}

History fit(nn::Module& model, optim::Optimizer& optimizer, const data::DataLoader& train_loader,
            const FitOptions& options) {
  MINIDL_CHECK(options.epochs >= 0, "fit: epochs must be >= 0, got ", options.epochs);
  MINIDL_CHECK(static_cast<bool>(options.loss_fn), "fit: loss_fn is empty");
  MINIDL_CHECK(train_loader.num_batches() > 0, "fit: the training loader has no batches");
  MINIDL_CHECK(options.clip_grad_norm >= 0 && options.clip_grad_value >= 0,
               "fit: clip_grad_norm and clip_grad_value must be >= 0 (0 is off), got ",
               options.clip_grad_norm, " and ", options.clip_grad_value);
  MetricSet check_names(options.metrics);  // rejects unknown names before any work
  MINIDL_CHECK(!options.plateau || options.plateau_monitor.rfind("val_", 0) != 0 ||
                   options.val_loader != nullptr,
               "fit: ReduceLROnPlateau monitors '", options.plateau_monitor,
               "', which needs a val_loader");
  if (!options.plot_path.empty()) {
    // Found now rather than after the first epoch's work.
    const std::filesystem::path dir = std::filesystem::path(options.plot_path).parent_path();
    MINIDL_CHECK(dir.empty() || std::filesystem::is_directory(dir),
                 "fit: the folder of plot_path '", options.plot_path, "' does not exist");
  }

  // Distributed: this rank's shards of the loaders, the gradient reducer, rank 0's voice.
  const bool distributed = options.distributed && dist::active();
  std::optional<data::DataLoader> local_train, local_val;
  std::optional<dist::GradientReducer> reducer;
  if (distributed) {
    local_train.emplace(dist::shard_loader(train_loader, dist::ShardUse::kTrain));
    if (options.val_loader)
      local_val.emplace(dist::shard_loader(*options.val_loader, dist::ShardUse::kEvaluate));
    reducer.emplace(optimizer.parameters(), options.reducer);
  }
  const data::DataLoader& loader = distributed ? *local_train : train_loader;
  const data::DataLoader* val_loader = distributed && local_val ? &*local_val : options.val_loader;
  const bool speaks = !distributed || dist::is_main_rank();
  Progress progress({speaks ? options.verbose : 0, options.progress_out, options.progress_tty});
  // Callbacks in call order: the user's, the metric log, then the run_last ones (checkpoints).
  std::shared_ptr<MetricLog> metric_log;
  if (!options.log_path.empty()) metric_log = std::make_shared<MetricLog>(options.log_path);
  std::vector<Callback*> ordered;
  for (const auto& cb : options.callbacks) {
    MINIDL_CHECK(cb != nullptr, "fit: a callback is null");
    if (!cb->run_last()) ordered.push_back(cb.get());
  }
  if (metric_log) ordered.push_back(metric_log.get());
  for (const auto& cb : options.callbacks)
    if (cb->run_last()) ordered.push_back(cb.get());
  std::vector<Callback*> hooks;  // the callbacks this rank runs
  for (Callback* cb : ordered)
    if (speaks || !cb->main_rank_only()) hooks.push_back(cb);

  TrainContext ctx{model, &optimizer, options.scheduler, options.plateau, ordered, options.epochs};
  ctx.message = [&progress](const std::string& line) { progress.message(line); };
  ctx.initial_epoch =
      options.resume_from.empty() ? options.initial_epoch : checkpoint_epoch(options.resume_from);
  MINIDL_CHECK(ctx.initial_epoch >= 0, "fit: initial_epoch must be >= 0, got ", ctx.initial_epoch);
  MINIDL_CHECK(ctx.initial_epoch <= options.epochs, "fit: ",
               options.resume_from.empty() ? "initial_epoch" : "the checkpoint's epoch count",
               " is ", ctx.initial_epoch, ", past epochs = ", options.epochs,
               ": nothing would run (raise epochs to train further)");
  for (Callback* cb : hooks) cb->on_train_begin(ctx);
  // After on_train_begin, which resets callback state, so the saved state wins.
  if (!options.resume_from.empty()) load_checkpoint(options.resume_from, train_state(ctx));
  // Every rank starts from rank 0's weights (optimizer state is the same on every rank: it is
  // fresh, or loaded from the same checkpoint).
  if (distributed) dist::broadcast_parameters(model);

  History history;
  history.initial_epoch = ctx.initial_epoch;
  Logs logs;
  // Epochs are numbered from 1 wherever a user sees one (callbacks, History, the JSON log, the
  // plot, messages): epoch e is the e-th, and after it e epochs are done. The data order of epoch
  // e is the loader's epoch(e - 1), its 0-based index.
  for (std::int64_t epoch = ctx.initial_epoch + 1; epoch <= options.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    for (Callback* cb : hooks) cb->on_epoch_begin(ctx, epoch);
    model.train();
    progress.begin_epoch(epoch, options.epochs, loader.num_batches());
    const double lr = optimizer.lr(0);
    logs = train_one_epoch(model, optimizer, loader, epoch - 1, options, ctx, hooks, progress,
                           reducer ? &*reducer : nullptr);
    if (distributed) dist::broadcast_buffers(model);  // rank 0's running statistics
    if (val_loader) {
      for (const auto& [k, v] :
           evaluate_impl(model, *val_loader, options.loss_fn, options.metrics, distributed))
        logs["val_" + k] = v;
    }
    if (options.scheduler && options.schedule_step == ScheduleStep::kEpoch)
      options.scheduler->step();
    if (options.plateau) {
      auto it = logs.find(options.plateau_monitor);
      MINIDL_CHECK(it != logs.end(), "fit: ReduceLROnPlateau monitors '", options.plateau_monitor,
                   "', which the logs of epoch ", epoch, " do not have");
      options.plateau->step(it->second);
    }
    logs["lr"] = lr;
    logs["seconds"] = seconds_since(start);
    history.epoch.push_back(epoch);
    history.logs.push_back(logs);
    progress.end_epoch(logs);
    for (Callback* cb : hooks) cb->on_epoch_end(ctx, epoch, logs);

    if (!speaks) {
      // rank 0 draws the curves
    } else if (!options.plot_path.empty() && !plplot_built_in()) {
      // The curves are a by-product of training: without PLplot they are skipped, not an error.
      if (epoch == ctx.initial_epoch + 1)
        progress.message("note: minidl was built without PLplot; no curves are drawn to " +
                         options.plot_path);
    } else if (!options.plot_path.empty()) {
      std::vector<Logs> rows = metric_log ? metric_log->rows() : history.logs;
      if (!metric_log)
        for (std::size_t i = 0; i < rows.size(); ++i)
          rows[i]["epoch"] = static_cast<double>(history.epoch[i]);
      if (has_finite_loss(rows)) plot_curves(rows, options.plot_path);  // not while all NaN
    }
    if (ctx.stop_training) {
      history.stopped = epoch < options.epochs;
      break;
    }
  }
  for (Callback* cb : hooks) cb->on_train_end(ctx, logs);
  if (reducer) history.communication = reducer->stats();
  return history;
}

}  // namespace minidl::train
