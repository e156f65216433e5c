#include "optim/optimizer.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>
#include <utility>

#include "autograd/tape.h"

namespace minidl::optim {
namespace {

constexpr std::int64_t kFormatVersion = 1;

std::string group_key(std::size_t g, const char* field) {
  return "group." + std::to_string(g) + "." + field;
}
std::string state_key(std::size_t g, std::size_t i, const std::string& field) {
  return "state." + std::to_string(g) + "." + std::to_string(i) + "." + field;
}

const Tensor& lookup(const StateDict& state, const std::string& key, const std::string& who) {
  auto it = state.find(key);
  MINIDL_CHECK(it != state.end(), who, ".load_state_dict: missing entry '", key, "'");
  MINIDL_CHECK(it->second.defined(), who, ".load_state_dict: entry '", key, "' is undefined");
  return it->second;
}

}  // namespace

// ---------------------------------------------------------------- state-dict helpers

Tensor int_entry(std::int64_t v) { return from_vector(std::vector<std::int64_t>{v}); }
Tensor float_entry(double v) { return from_vector(std::vector<double>{v}); }

std::int64_t read_int(const StateDict& state, const std::string& key, const std::string& who) {
  const Tensor& t = lookup(state, key, who);
  MINIDL_CHECK(t.numel() == 1 && t.dtype() == kInt64, who, ".load_state_dict: entry '", key,
               "' should be one int64, got ", dtype_name(t.dtype()), " ", shape_str(t.shape()));
  return t.data<std::int64_t>()[0];
}

double read_float(const StateDict& state, const std::string& key, const std::string& who) {
  const Tensor& t = lookup(state, key, who);
  MINIDL_CHECK(t.numel() == 1 && is_floating(t.dtype()), who, ".load_state_dict: entry '", key,
               "' should be one float, got ", dtype_name(t.dtype()), " ", shape_str(t.shape()));
  return t.item();
}

void check_kind_and_hyper(const StateDict& state, const std::string& kind, const std::string& who,
                          const std::vector<std::pair<std::string, double>>& hyper) {
  for (const auto& [key, value] : state) {
    if (key.rfind("kind.", 0) == 0 && key != "kind." + kind)
      MINIDL_FAIL(who, ".load_state_dict: the state is for '", key.substr(5), "', not '", kind,
                  "'");
  }
  const std::int64_t version = read_int(state, "kind." + kind, who);
  MINIDL_CHECK(version == kFormatVersion, who, ".load_state_dict: format version ", version,
               " (this build reads ", kFormatVersion, ")");
  const Tensor& h = lookup(state, "hyper", who);
  MINIDL_CHECK(
      h.dim() == 1 && h.numel() == static_cast<std::int64_t>(hyper.size()) && h.dtype() == kFloat64,
      who, ".load_state_dict: 'hyper' holds ", h.numel(), " values (", dtype_name(h.dtype()),
      "), expected ", hyper.size(), " float64");
  const double* saved = h.data<double>();
  for (std::size_t k = 0; k < hyper.size(); ++k) {
    // Exact comparison (NaN never appears): the values went through the file bit for bit.
    MINIDL_CHECK(saved[k] == hyper[k].second, who, ".load_state_dict: ", hyper[k].first,
                 " differs: checkpoint ", saved[k], ", this ", who, " ", hyper[k].second);
  }
}

StateDict with_prefix(const StateDict& state, const std::string& prefix) {
  StateDict out;
  for (const auto& [k, v] : state) out.emplace(prefix + k, v);
  return out;
}

StateDict strip_prefix(const StateDict& state, const std::string& prefix) {
  StateDict out;
  for (const auto& [k, v] : state)
    if (k.rfind(prefix, 0) == 0) out.emplace(k.substr(prefix.size()), v);
  return out;
}

// ---------------------------------------------------------------- Optimizer

Optimizer::Optimizer(std::string name, std::string kind, Defaults defaults, L1Mode l1_mode)
    : name_(std::move(name)), kind_(std::move(kind)), defaults_(defaults), l1_mode_(l1_mode) {}

std::vector<ParamGroup> Optimizer::one_group(std::vector<Variable> params) {
  std::vector<ParamGroup> groups(1);
  groups[0].params = std::move(params);
  return groups;
}

void Optimizer::init_groups(std::vector<ParamGroup> groups) {
  MINIDL_CHECK(!groups.empty(), name_, ": no parameter groups given");
  for (const ParamGroup& g : groups) add_param_group(g);
}

Group Optimizer::resolve(const ParamGroup& g) const {
  MINIDL_CHECK(has_momentum() || !g.momentum.has_value(), name_,
               ": a parameter group sets momentum, but ", name_, " has none");
  Group out;
  out.params = g.params;
  out.lr = g.lr.value_or(defaults_.lr);
  out.weight_decay = g.weight_decay.value_or(defaults_.weight_decay);
  out.l1_decay = g.l1_decay.value_or(defaults_.l1_decay);
  out.momentum = g.momentum.value_or(defaults_.momentum);
  return out;
}

void Optimizer::check_group_values(const Group& g) const {
  MINIDL_CHECK(g.lr >= 0, name_, ": invalid lr ", g.lr, " (must be >= 0)");
  MINIDL_CHECK(g.weight_decay >= 0, name_, ": invalid weight_decay ", g.weight_decay,
               " (must be >= 0)");
  MINIDL_CHECK(g.l1_decay >= 0, name_, ": invalid l1_decay ", g.l1_decay, " (must be >= 0)");
  if (has_momentum()) check_momentum(g.momentum);
}

void Optimizer::add_param_group(const ParamGroup& group) {
  Group g = resolve(group);
  check_group_values(g);
  std::set<const VariableImpl*> seen;
  for (const Group& other : groups_)
    for (const Variable& p : other.params) seen.insert(p.impl());
  const std::size_t gi = groups_.size();
  for (std::size_t i = 0; i < g.params.size(); ++i) {
    const Variable& p = g.params[i];
    MINIDL_CHECK(p.defined(), name_, ": parameter ", i, " of group ", gi, " is undefined");
    MINIDL_CHECK(is_floating(p.dtype()), name_, ": parameter ", i, " of group ", gi, " is ",
                 dtype_name(p.dtype()), "; only floating-point tensors can be optimized");
    MINIDL_CHECK(p.is_leaf(), name_, ": parameter ", i, " of group ", gi,
                 " is not a leaf (the output of ", p.grad_fn() ? p.grad_fn()->op : "?",
                 "); optimize the leaves it was computed from");
    MINIDL_CHECK(seen.insert(p.impl()).second, name_, ": parameter ", i, " of group ", gi, " (",
                 p.name().empty() ? "unnamed" : p.name(),
                 ") appears more than once in the parameter groups");
  }
  groups_.push_back(std::move(g));
  state_.emplace_back(groups_.back().params.size());
}

std::vector<Variable> Optimizer::parameters() const {
  std::vector<Variable> out;
  for (const Group& g : groups_) out.insert(out.end(), g.params.begin(), g.params.end());
  return out;
}

void Optimizer::step() {
  NoGradGuard no_grad;
  const std::size_t nbuf = buffer_specs().size();
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    Group& g = groups_[gi];
    for (std::size_t i = 0; i < g.params.size(); ++i) {
      Variable& p = g.params[i];
      const Variable grad = p.grad();
      if (!grad.defined()) continue;
      const Tensor& gt = grad.value();
      MINIDL_CHECK(gt.shape() == p.shape() && gt.dtype() == p.dtype(), name_,
                   ".step: gradient of parameter ", i, " of group ", gi, " is ",
                   dtype_name(gt.dtype()), " ", shape_str(gt.shape()), ", the parameter is ",
                   dtype_name(p.dtype()), " ", shape_str(p.shape()));
      // The fused kernels read the gradient while writing the parameter (__restrict).
      MINIDL_CHECK(!gt.shares_storage(p.value()), name_, ".step: the gradient of parameter ", i,
                   " of group ", gi, " shares storage with the parameter itself");
      ParamState& s = state_[gi][i];
      if (s.buffers.size() != nbuf) s.buffers.resize(nbuf);
      ++s.step;
      update(g, p.value(), gt, s);
    }
  }
}

void Optimizer::zero_grad() {
  for (Group& g : groups_)
    for (Variable& p : g.params) p.zero_grad();
}

double Optimizer::lr(std::size_t group) const {
  MINIDL_CHECK(group < groups_.size(), name_, ": group ", group, " out of range (", groups_.size(),
               " groups)");
  return groups_[group].lr;
}

void Optimizer::set_lr(std::size_t group, double lr) {
  MINIDL_CHECK(group < groups_.size(), name_, ".set_lr: group ", group, " out of range (",
               groups_.size(), " groups)");
  MINIDL_CHECK(lr >= 0, name_, ": invalid lr ", lr, " (must be >= 0)");
  groups_[group].lr = lr;
}

void Optimizer::set_lr(double lr) {
  for (std::size_t g = 0; g < groups_.size(); ++g) set_lr(g, lr);
}

double Optimizer::momentum(std::size_t group) const {
  MINIDL_CHECK(has_momentum(), name_, " has no momentum");
  MINIDL_CHECK(group < groups_.size(), name_, ": group ", group, " out of range (", groups_.size(),
               " groups)");
  return groups_[group].momentum;
}

void Optimizer::set_momentum(std::size_t group, double momentum) {
  MINIDL_CHECK(has_momentum(), name_, " has no momentum to set");
  MINIDL_CHECK(group < groups_.size(), name_, ".set_momentum: group ", group, " out of range (",
               groups_.size(), " groups)");
  check_momentum(momentum);
  groups_[group].momentum = momentum;
}

void Optimizer::set_weight_decay(std::size_t group, double weight_decay) {
  MINIDL_CHECK(group < groups_.size(), name_, ".set_weight_decay: group ", group, " out of range (",
               groups_.size(), " groups)");
  MINIDL_CHECK(weight_decay >= 0, name_, ": invalid weight_decay ", weight_decay,
               " (must be >= 0)");
  groups_[group].weight_decay = weight_decay;
}

void Optimizer::set_l1_decay(std::size_t group, double l1_decay) {
  MINIDL_CHECK(group < groups_.size(), name_, ".set_l1_decay: group ", group, " out of range (",
               groups_.size(), " groups)");
  MINIDL_CHECK(l1_decay >= 0, name_, ": invalid l1_decay ", l1_decay, " (must be >= 0)");
  groups_[group].l1_decay = l1_decay;
}

std::int64_t Optimizer::step_count(std::size_t group, std::size_t index) const {
  MINIDL_CHECK(group < groups_.size() && index < groups_[group].params.size(), name_,
               ".step_count: no parameter ", index, " in group ", group);
  return state_[group][index].step;
}

Tensor& Optimizer::buffer(ParamState& state, std::size_t k, const Tensor& param, double fill) {
  Tensor& b = state.buffers[k];
  if (!b.defined()) b = full_like(param, fill);
  return b;
}

StateDict Optimizer::state_dict() const {
  StateDict out;
  out.emplace("kind." + kind_, int_entry(kFormatVersion));
  std::vector<double> hyper;
  for (const auto& h : hyper_parameters()) hyper.push_back(h.second);
  out.emplace("hyper", from_vector(hyper));
  const std::vector<BufferSpec> specs = buffer_specs();
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    const Group& g = groups_[gi];
    out.emplace(group_key(gi, "size"), int_entry(static_cast<std::int64_t>(g.params.size())));
    out.emplace(group_key(gi, "lr"), float_entry(g.lr));
    out.emplace(group_key(gi, "momentum"), float_entry(g.momentum));
    out.emplace(group_key(gi, "weight_decay"), float_entry(g.weight_decay));
    out.emplace(group_key(gi, "l1_decay"), float_entry(g.l1_decay));
    for (std::size_t i = 0; i < g.params.size(); ++i) {
      const ParamState& s = state_[gi][i];
      if (s.step == 0) continue;
      out.emplace(state_key(gi, i, "step"), int_entry(s.step));
      for (std::size_t k = 0; k < s.buffers.size(); ++k)
        if (s.buffers[k].defined())
          out.emplace(state_key(gi, i, specs[k].name), s.buffers[k].clone());
    }
  }
  return out;
}

void Optimizer::load_state_dict(const StateDict& state) {
  check_kind_and_hyper(state, kind_, name_, hyper_parameters());
  const std::vector<BufferSpec> specs = buffer_specs();
  std::set<std::string> used = {"kind." + kind_, "hyper"};
  auto take_int = [&](const std::string& key) {
    used.insert(key);
    return read_int(state, key, name_);
  };
  auto take_float = [&](const std::string& key) {
    used.insert(key);
    return read_float(state, key, name_);
  };

  // Everything is read and checked into these before anything changes.
  std::vector<std::pair<double, double>> lr_momentum;
  std::vector<std::vector<ParamState>> new_state(groups_.size());
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    const Group& g = groups_[gi];
    const std::int64_t size = take_int(group_key(gi, "size"));
    MINIDL_CHECK(size == static_cast<std::int64_t>(g.params.size()), name_,
                 ".load_state_dict: group ", gi, " has ", g.params.size(),
                 " parameters, the checkpoint ", size);
    const double lr = take_float(group_key(gi, "lr"));
    const double momentum = take_float(group_key(gi, "momentum"));
    MINIDL_CHECK(lr >= 0 && std::isfinite(lr), name_, ".load_state_dict: invalid lr ", lr,
                 " for group ", gi);
    if (has_momentum()) check_momentum(momentum);
    lr_momentum.emplace_back(lr, momentum);
    const double wd = take_float(group_key(gi, "weight_decay"));
    const double l1 = take_float(group_key(gi, "l1_decay"));
    MINIDL_CHECK(wd == g.weight_decay, name_, ".load_state_dict: weight_decay of group ", gi,
                 " differs: checkpoint ", wd, ", this ", name_, " ", g.weight_decay);
    MINIDL_CHECK(l1 == g.l1_decay, name_, ".load_state_dict: l1_decay of group ", gi,
                 " differs: checkpoint ", l1, ", this ", name_, " ", g.l1_decay);

    new_state[gi].resize(g.params.size());
    for (std::size_t i = 0; i < g.params.size(); ++i) {
      ParamState& s = new_state[gi][i];
      s.buffers.resize(specs.size());
      const std::string step_key = state_key(gi, i, "step");
      if (state.count(step_key) == 0) continue;  // never stepped
      s.step = take_int(step_key);
      MINIDL_CHECK(s.step >= 0, name_, ".load_state_dict: negative step ", s.step, " for '",
                   step_key, "'");
      const Tensor& param = g.params[i].value();
      for (std::size_t k = 0; k < specs.size(); ++k) {
        const std::string key = state_key(gi, i, specs[k].name);
        auto it = state.find(key);
        if (it == state.end()) {
          MINIDL_CHECK(!specs[k].required || s.step == 0, name_, ".load_state_dict: missing '", key,
                       "'");
          continue;
        }
        used.insert(key);
        const Tensor& b = it->second;
        MINIDL_CHECK(b.defined() && b.shape() == param.shape() && b.dtype() == param.dtype(), name_,
                     ".load_state_dict: '", key, "' is ",
                     b.defined() ? dtype_name(b.dtype()) : "undefined", " ",
                     b.defined() ? shape_str(b.shape()) : "", ", the parameter is ",
                     dtype_name(param.dtype()), " ", shape_str(param.shape()));
        // Every value finite (a NaN moment poisons every later step), sums of squares >= 0.
        const Tensor v = b.to(kFloat64);
        const double* d = v.data<double>();
        for (std::int64_t j = 0; j < v.numel(); ++j)
          MINIDL_CHECK(std::isfinite(d[j]) && (!specs[k].non_negative || d[j] >= 0), name_,
                       ".load_state_dict: '", key, "' holds ", d[j], " at flat index ", j,
                       specs[k].non_negative ? " (must be finite and >= 0)" : " (must be finite)");
        s.buffers[k] = b.clone();
      }
    }
  }
  for (const auto& entry : state)
    MINIDL_CHECK(used.count(entry.first) != 0, name_, ".load_state_dict: unexpected entry '",
                 entry.first, "' (a different model, group layout or ", name_, " option?)");

  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    groups_[gi].lr = lr_momentum[gi].first;
    groups_[gi].momentum = lr_momentum[gi].second;
  }
  state_ = std::move(new_state);
}

}  // namespace minidl::optim
