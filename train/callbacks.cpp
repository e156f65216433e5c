#include "train/callbacks.h"

#include <cmath>
#include <sstream>

namespace minidl::train {
namespace {

std::string without_val_prefix(const std::string& name) {
  return name.rfind("val_", 0) == 0 ? name.substr(4) : name;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "top5_accuracy" and the like.
bool is_top_k_name(const std::string& s) {
  if (s.rfind("top", 0) != 0 || !ends_with(s, "_accuracy")) return false;
  std::string k = s.substr(3, s.size() - 3 - 9);
  return !k.empty() && k.find_first_not_of("0123456789") == std::string::npos;
}

std::string fmt(double v) {
  std::ostringstream os;
  os.precision(6);
  os << v;
  return os.str();
}

}  // namespace

Mode resolve_mode(const std::string& who, const std::string& monitor, Mode mode) {
  if (mode != Mode::kAuto) return mode;
  const std::string base = without_val_prefix(monitor);
  if (base == "loss" || ends_with(base, "_loss")) return Mode::kMin;
  if (base == "accuracy" || base == "macro_f1" || base == "weighted_f1" || is_top_k_name(base))
    return Mode::kMax;
  MINIDL_FAIL(who, ": cannot tell whether '", monitor,
              "' should be minimised or maximised; set mode to Mode::kMin or Mode::kMax");
}

// ---------------------------------------------------------------- EarlyStopping

EarlyStopping::EarlyStopping(const EarlyStoppingOptions& options)
    : options_(options), mode_(resolve_mode("EarlyStopping", options.monitor, options.mode)) {
  MINIDL_CHECK(options.patience >= 0, "EarlyStopping: patience must be >= 0, got ",
               options.patience);
  MINIDL_CHECK(std::isfinite(options.min_delta), "EarlyStopping: min_delta must be finite, got ",
               options.min_delta);
  options_.min_delta = std::abs(options.min_delta);
}

bool EarlyStopping::is_improvement(double value, std::optional<double> reference) const {
  if (!reference) return true;
  // NaN compares false both ways, so a NaN value never improves on anything.
  return mode_ == Mode::kMin ? value + options_.min_delta < *reference
                             : value - options_.min_delta > *reference;
}

void EarlyStopping::on_train_begin(TrainContext& ctx) {
  // Keras resets here so one instance can serve several fit() calls; a resume then loads the
  // saved state over this.
  wait_ = 0;
  stopped_epoch_ = 0;
  best_epoch_ = 0;
  best_.reset();
  best_weights_.clear();
  restored_ = false;
}

void EarlyStopping::on_epoch_end(TrainContext& ctx, std::int64_t epoch, const Logs& logs) {
  auto it = logs.find(options_.monitor);
  if (it == logs.end()) {
    if (!warned_missing_) {
      std::string available;
      for (const auto& [k, v] : logs) available += (available.empty() ? "" : ", ") + k;
      ctx.print("EarlyStopping: the logs have no '" + options_.monitor +
                "', so this epoch is skipped; available: " + available);
      warned_missing_ = true;
    }
    return;
  }
  if (epoch <= options_.start_from_epoch) return;
  const double current = it->second;
  if (options_.restore_best_weights && best_weights_.empty()) {
    best_weights_ = ctx.model.state_dict();
    best_epoch_ = epoch;
  }
  ++wait_;
  if (is_improvement(current, best_)) {
    best_ = current;
    best_epoch_ = epoch;
    if (options_.restore_best_weights) best_weights_ = ctx.model.state_dict();
    // Restart the count only when the baseline is beaten too.
    if (!options_.baseline || is_improvement(current, options_.baseline)) wait_ = 0;
    return;
  }
  if (wait_ >= options_.patience && epoch > 1) {
    stopped_epoch_ = epoch;
    ctx.stop_training = true;
  }
}

void EarlyStopping::on_train_end(TrainContext& ctx, const Logs& logs) {
  if (stopped_epoch_ > 0 && options_.verbose) {
    ctx.print("EarlyStopping: stopped after epoch " + std::to_string(stopped_epoch_) + ": " +
              options_.monitor + " did not improve for " + std::to_string(wait_) +
              " epochs (best " + (best_ ? fmt(*best_) : std::string("none")) + " at epoch " +
              std::to_string(best_epoch_) + ")");
  }
  if (options_.restore_best_weights && !best_weights_.empty()) {
    ctx.model.load_state_dict(best_weights_);
    restored_ = true;
    if (options_.verbose)
      ctx.print("EarlyStopping: restored the weights from the end of the best epoch, " +
                std::to_string(best_epoch_));
  }
}

optim::StateDict EarlyStopping::state_dict() const {
  optim::StateDict s;
  s["wait"] = optim::int_entry(wait_);
  s["stopped_epoch"] = optim::int_entry(stopped_epoch_);
  s["best_epoch"] = optim::int_entry(best_epoch_);
  s["has_best"] = optim::int_entry(best_ ? 1 : 0);
  s["best"] = optim::float_entry(best_.value_or(0.0));
  for (const auto& [k, v] : best_weights_) s["best_weights." + k] = v;
  return s;
}

void EarlyStopping::load_state_dict(const optim::StateDict& state) {
  const std::string who = "EarlyStopping::load_state_dict";
  std::int64_t wait = optim::read_int(state, "wait", who);
  std::int64_t stopped = optim::read_int(state, "stopped_epoch", who);
  std::int64_t best_epoch = optim::read_int(state, "best_epoch", who);
  bool has_best = optim::read_int(state, "has_best", who) != 0;
  double best = optim::read_float(state, "best", who);
  nn::StateDict weights = optim::strip_prefix(state, "best_weights.");
  // Impossible counters would make the next run stop at once or never (wait = -100 waits 100
  // epochs more than patience); the best weights are checked against the model by
  // load_checkpoint, which knows it.
  MINIDL_CHECK(wait >= 0 && stopped >= 0 && best_epoch >= 0, who, ": negative counter (wait ", wait,
               ", stopped_epoch ", stopped, ", best_epoch ", best_epoch, ")");
  MINIDL_CHECK(!has_best || !std::isnan(best), who, ": the best value is NaN");
  wait_ = wait;
  stopped_epoch_ = stopped;
  best_epoch_ = best_epoch;
  best_ = has_best ? std::optional<double>(best) : std::nullopt;
  best_weights_ = std::move(weights);
}

// ---------------------------------------------------------------- TerminateOnNaN

void TerminateOnNaN::on_batch_end(TrainContext& ctx, std::int64_t batch, const Logs& logs) {
  auto it = logs.find("loss");
  if (it == logs.end() || std::isfinite(it->second)) return;
  ctx.print("TerminateOnNaN: batch " + std::to_string(batch) + " has loss " + fmt(it->second) +
            "; stopping training");
  terminated_ = true;
  ctx.stop_training = true;
}

}  // namespace minidl::train
