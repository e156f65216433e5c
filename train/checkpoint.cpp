#include "train/checkpoint.h"

#include <cmath>
#include <map>

#include "nn/safetensors.h"
#include "tensor/limits.h"

namespace minidl::train {
namespace {

constexpr const char* kFormat = "minidl-checkpoint";
constexpr const char* kVersion = "1";

// Each callback's key prefix: "callback.<name>." ("<name>_1", "<name>_2" for repeats).
std::vector<std::string> callback_prefixes(const std::vector<Callback*>& callbacks) {
  std::map<std::string, int> seen;
  std::vector<std::string> out;
  for (const Callback* cb : callbacks) {
    const std::string name = cb->name();
    int k = seen[name]++;
    out.push_back("callback." + (k == 0 ? name : name + "_" + std::to_string(k)) + ".");
  }
  return out;
}

void put(nn::StateDict& out, const std::string& prefix, const nn::StateDict& part) {
  for (const auto& [k, v] : part) out[prefix + k] = v;
}

// Everything loadable, captured so a failed load can be undone.
struct Snapshot {
  nn::StateDict model, generators;
  optim::StateDict optimizer, scheduler, plateau;
  std::vector<optim::StateDict> callbacks;
};

Snapshot take_snapshot(const TrainState& s) {
  Snapshot snap{s.model.state_dict(), s.model.generator_states(), {}, {}, {}, {}};
  if (s.optimizer) snap.optimizer = s.optimizer->state_dict();
  if (s.scheduler) snap.scheduler = s.scheduler->state_dict();
  if (s.plateau) snap.plateau = s.plateau->state_dict();
  for (Callback* cb : s.callbacks) snap.callbacks.push_back(cb->state_dict());
  return snap;
}

void restore_snapshot(const TrainState& s, const Snapshot& snap) {
  s.model.load_state_dict(snap.model);
  s.model.load_generator_states(snap.generators);
  if (s.optimizer) s.optimizer->load_state_dict(snap.optimizer);
  if (s.scheduler) s.scheduler->load_state_dict(snap.scheduler);
  if (s.plateau) s.plateau->load_state_dict(snap.plateau);
  for (std::size_t i = 0; i < s.callbacks.size(); ++i)
    if (!snap.callbacks[i].empty()) s.callbacks[i]->load_state_dict(snap.callbacks[i]);
}

// The file's tensors after checking it is a checkpoint.
nn::StateDict read_checkpoint(const std::string& path, std::int64_t* epoch) {
  nn::SafetensorsContents c = nn::load_safetensors(path);
  auto fmt = c.metadata.find("format");
  MINIDL_CHECK(fmt != c.metadata.end() && fmt->second == kFormat && c.tensors.count("train.epoch"),
               "load_checkpoint: '", path,
               "' is not a minidl checkpoint (a safetensors file without the \"format\": \"",
               kFormat, "\" metadata and train.epoch; plain weights load with nn::load_weights)");
  auto ver = c.metadata.find("version");
  MINIDL_CHECK(ver != c.metadata.end() && ver->second == kVersion, "load_checkpoint: '", path,
               "' has checkpoint version ",
               ver == c.metadata.end() ? std::string("(none)") : ver->second, ", this reads ",
               kVersion);
  *epoch = optim::read_int(c.tensors, "train.epoch", "load_checkpoint: '" + path + "'");
  MINIDL_CHECK(*epoch >= 0 && *epoch <= limits::kMaxEpochs, "load_checkpoint: '", path,
               "': epoch count ", *epoch, " out of range [0, ", limits::kMaxEpochs, "]");
  auto meta_epoch = c.metadata.find("epoch");
  MINIDL_CHECK(meta_epoch == c.metadata.end() || meta_epoch->second == std::to_string(*epoch),
               "load_checkpoint: '", path, "': train.epoch ", *epoch,
               " differs from the metadata's epoch \"", clip(meta_epoch->second), "\"");
  return std::move(c.tensors);
}

// The entries under prefix, which must exist when `required`.
optim::StateDict part(const nn::StateDict& all, const std::string& prefix, const char* what) {
  optim::StateDict p = optim::strip_prefix(all, prefix);
  MINIDL_CHECK(!p.empty(), "has no ", what, " state (no \"", prefix, "*\" entries)");
  return p;
}

// Weights a callback keeps for the model (EarlyStopping's best_weights) must be the model's own
// names, shapes and dtypes: otherwise the load succeeds and the restore fails (or worse, a
// partial dict loads) only at the end of the resumed run.
void check_weights_fit(const nn::StateDict& weights, const nn::StateDict& model,
                       const std::string& prefix) {
  if (weights.empty()) return;
  for (const auto& [name, t] : weights) {
    auto it = model.find(name);
    MINIDL_CHECK(it != model.end(), prefix, "best_weights.", clip(name), " is not in the model");
    MINIDL_CHECK(t.shape() == it->second.shape() && t.dtype() == it->second.dtype(), prefix,
                 "best_weights.", name, " is ", dtype_name(t.dtype()), " ", shape_str(t.shape()),
                 ", the model's is ", dtype_name(it->second.dtype()), " ",
                 shape_str(it->second.shape()));
  }
  MINIDL_CHECK(weights.size() == model.size(), prefix, "best_weights holds ", weights.size(),
               " entries, the model has ", model.size());
}

}  // namespace

TrainState train_state(const TrainContext& ctx) {
  return TrainState{ctx.model, ctx.optimizer, ctx.scheduler, ctx.plateau, ctx.callbacks};
}

void save_checkpoint(const std::string& path, const TrainState& state, std::int64_t epochs_done) {
  MINIDL_CHECK(epochs_done >= 0, "save_checkpoint: epochs_done must be >= 0, got ", epochs_done);
  nn::StateDict all;
  all["train.epoch"] = optim::int_entry(epochs_done);
  put(all, "model.", state.model.state_dict());
  put(all, "generator.", state.model.generator_states());
  if (state.optimizer) put(all, "optimizer.", state.optimizer->state_dict());
  if (state.scheduler) put(all, "scheduler.", state.scheduler->state_dict());
  if (state.plateau) put(all, "plateau.", state.plateau->state_dict());
  auto prefixes = callback_prefixes(state.callbacks);
  for (std::size_t i = 0; i < state.callbacks.size(); ++i)
    put(all, prefixes[i], state.callbacks[i]->state_dict());
  nn::save_safetensors(
      path, all,
      {{"format", kFormat}, {"version", kVersion}, {"epoch", std::to_string(epochs_done)}});
}

std::int64_t checkpoint_epoch(const std::string& path) {
  std::int64_t epoch = 0;
  read_checkpoint(path, &epoch);
  return epoch;
}

std::int64_t load_checkpoint(const std::string& path, const TrainState& state) {
  std::int64_t epoch = 0;
  nn::StateDict all = read_checkpoint(path, &epoch);
  Snapshot snap = take_snapshot(state);
  try {
    state.model.load_state_dict(optim::strip_prefix(all, "model."));
    state.model.load_generator_states(optim::strip_prefix(all, "generator."));
    if (state.optimizer) state.optimizer->load_state_dict(part(all, "optimizer.", "optimizer"));
    if (state.scheduler) state.scheduler->load_state_dict(part(all, "scheduler.", "scheduler"));
    if (state.plateau) state.plateau->load_state_dict(part(all, "plateau.", "ReduceLROnPlateau"));
    auto prefixes = callback_prefixes(state.callbacks);
    const nn::StateDict model_state = state.model.state_dict();
    for (std::size_t i = 0; i < state.callbacks.size(); ++i) {
      optim::StateDict cb = optim::strip_prefix(all, prefixes[i]);
      check_weights_fit(optim::strip_prefix(cb, "best_weights."), model_state, prefixes[i]);
      if (!cb.empty()) state.callbacks[i]->load_state_dict(cb);
    }
  } catch (const std::exception& e) {
    restore_snapshot(state, snap);
    MINIDL_FAIL("load_checkpoint: '", path, "': ", e.what());
  }
  return epoch;
}

// ---------------------------------------------------------------- Checkpoint callback

Checkpoint::Checkpoint(const CheckpointOptions& options) : options_(options), mode_(Mode::kMin) {
  MINIDL_CHECK(!options.last_path.empty() || !options.best_path.empty(),
               "Checkpoint: set last_path, best_path or both");
  if (!options.best_path.empty()) mode_ = resolve_mode("Checkpoint", options.monitor, options.mode);
}

void Checkpoint::on_train_begin(TrainContext& ctx) {
  best_.reset();
  best_epoch_ = 0;
}

void Checkpoint::on_epoch_end(TrainContext& ctx, std::int64_t epoch, const Logs& logs) {
  if (!options_.best_path.empty()) {
    auto it = logs.find(options_.monitor);
    if (it != logs.end()) {
      const double v = it->second;
      bool better = !std::isnan(v) && (!best_ || (mode_ == Mode::kMin ? v < *best_ : v > *best_));
      if (better) {
        best_ = v;
        best_epoch_ = epoch;
        save_checkpoint(options_.best_path, train_state(ctx), epoch);
      }
    }
  }
  if (!options_.last_path.empty()) save_checkpoint(options_.last_path, train_state(ctx), epoch);
}

optim::StateDict Checkpoint::state_dict() const {
  optim::StateDict s;
  s["has_best"] = optim::int_entry(best_ ? 1 : 0);
  s["best"] = optim::float_entry(best_.value_or(0.0));
  s["best_epoch"] = optim::int_entry(best_epoch_);
  return s;
}

void Checkpoint::load_state_dict(const optim::StateDict& state) {
  const std::string who = "Checkpoint::load_state_dict";
  bool has_best = optim::read_int(state, "has_best", who) != 0;
  double best = optim::read_float(state, "best", who);
  std::int64_t best_epoch = optim::read_int(state, "best_epoch", who);
  MINIDL_CHECK(best_epoch >= -1, who, ": invalid best_epoch ", best_epoch);
  MINIDL_CHECK(!has_best || !std::isnan(best), who, ": the best value is NaN");
  best_ = has_best ? std::optional<double>(best) : std::nullopt;
  best_epoch_ = best_epoch;
}

}  // namespace minidl::train
