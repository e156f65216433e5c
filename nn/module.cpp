#include "nn/module.h"

#include <set>
#include <sstream>
#include <unordered_set>

#include "autograd/scope.h"
#include "tensor/ops.h"

namespace minidl::nn {
namespace {

thread_local ForwardHook tls_forward_hook;

std::string join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

std::string list_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "(none)" : out;
}

}  // namespace

std::string LoadReport::to_string() const {
  std::ostringstream os;
  if (!missing.empty()) os << "missing keys (" << missing.size() << "): " << list_names(missing);
  if (!unexpected.empty()) {
    os << (os.tellp() > 0 ? "\n" : "") << "unexpected keys (" << unexpected.size()
       << "): " << list_names(unexpected);
  }
  for (const auto& m : mismatched) os << (os.tellp() > 0 ? "\n" : "") << "mismatch: " << m;
  return os.str();
}

ForwardHook set_forward_hook(ForwardHook hook) {
  std::swap(tls_forward_hook, hook);
  return hook;
}

bool forward_hook_set() { return static_cast<bool>(tls_forward_hook); }

Module::Module(std::string type_name) : type_name_(std::move(type_name)) {}
Module::~Module() = default;

Variable Module::forward(const Variable&) {
  MINIDL_FAIL(type_name_, ": this module has no single-input forward(); call its own methods");
}

Variable Module::operator()(const Variable& input) {
  Variable out;
  {
    NameScope scope(name_);
    out = forward(input);
  }
  if (tls_forward_hook) tls_forward_hook(*this, out);
  return out;
}

std::string Module::repr() const {
  std::ostringstream os;
  os << type_name_ << "(" << extra_repr();
  if (!children_.empty()) {
    os << "\n";
    for (const auto& [name, child] : children_) {
      std::string sub = child->repr();
      std::string indented;
      for (char c : sub) indented += c == '\n' ? std::string("\n  ") : std::string(1, c);
      os << "  (" << name << "): " << indented << "\n";
    }
  }
  os << ")";
  return os.str();
}

// ---- registration
void Module::check_new_name(const std::string& name, const char* what) const {
  MINIDL_CHECK(!name.empty() && name.find('.') == std::string::npos, type_name_, ": ", what,
               " name '", name, "' must be non-empty and contain no '.'");
  bool taken = false;
  for (const auto& s : params_) taken |= s.name == name;
  for (const auto& s : buffers_) taken |= s.name == name;
  for (const auto& c : children_) taken |= c.first == name;
  for (const auto& g : generators_) taken |= g.first == name;
  MINIDL_CHECK(!taken, type_name_, ": cannot register ", what, " '", name,
               "': the name is already taken");
}

Variable& Module::register_parameter(const std::string& name, Tensor value, bool requires_grad) {
  check_new_name(name, "parameter");
  MINIDL_CHECK(value.defined(), type_name_, ": parameter '", name, "' is undefined");
  MINIDL_CHECK(is_floating(value.dtype()), type_name_, ": parameter '", name,
               "' must be floating, got ", dtype_name(value.dtype()));
  params_.push_back({name, Variable(std::move(value), requires_grad)});
  params_.back().var.set_name(name);
  return params_.back().var;
}

Variable& Module::register_buffer(const std::string& name, Tensor value) {
  check_new_name(name, "buffer");
  MINIDL_CHECK(value.defined(), type_name_, ": buffer '", name, "' is undefined");
  buffers_.push_back({name, Variable(std::move(value), false)});
  buffers_.back().var.set_name(name);
  return buffers_.back().var;
}

void Module::register_child(const std::string& name, std::shared_ptr<Module> child) {
  check_new_name(name, "module");
  MINIDL_CHECK(child != nullptr, type_name_, ": module '", name, "' is null");
  MINIDL_CHECK(child.get() != this, type_name_, ": a module cannot be its own child");
  child->rename_parameters(name);
  child->name_ = name;
  children_.emplace_back(name, std::move(child));
}

void Module::register_generator(const std::string& name, Generator& gen) {
  check_new_name(name, "generator");
  generators_.emplace_back(name, &gen);
}

void Module::rename_parameters(const std::string& prefix) {
  for (auto& [name, slot] : all_parameter_slots()) slot->set_name(join(prefix, name));
}

// ---- traversal
std::vector<std::pair<std::string, Module*>> Module::named_modules() {
  std::vector<std::pair<std::string, Module*>> out;
  // Iterative pre-order (children in registration order) with an explicit stack.
  std::vector<std::pair<std::string, Module*>> stack = {{"", this}};
  while (!stack.empty()) {
    auto [prefix, m] = stack.back();
    stack.pop_back();
    out.emplace_back(prefix, m);
    for (auto it = m->children_.rbegin(); it != m->children_.rend(); ++it)
      stack.emplace_back(join(prefix, it->first), it->second.get());
  }
  return out;
}

std::vector<std::pair<std::string, const Module*>> Module::named_modules() const {
  std::vector<std::pair<std::string, const Module*>> out;
  for (auto& [name, m] : const_cast<Module*>(this)->named_modules()) out.emplace_back(name, m);
  return out;
}

std::vector<std::pair<std::string, Variable*>> Module::all_parameter_slots() {
  std::vector<std::pair<std::string, Variable*>> out;
  for (auto& [prefix, m] : named_modules())
    for (auto& s : m->params_) out.emplace_back(join(prefix, s.name), &s.var);
  return out;
}

std::vector<std::pair<std::string, const Variable*>> Module::all_slots(bool params,
                                                                       bool buffers) const {
  std::vector<std::pair<std::string, const Variable*>> out;
  for (auto& [prefix, m] : named_modules()) {
    if (params)
      for (const auto& s : m->params_) out.emplace_back(join(prefix, s.name), &s.var);
    if (buffers)
      for (const auto& s : m->buffers_) out.emplace_back(join(prefix, s.name), &s.var);
  }
  return out;
}

std::vector<std::pair<std::string, Variable>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Variable>> out;
  std::unordered_set<const VariableImpl*> seen;
  for (auto& [name, v] : all_slots(true, false))
    if (seen.insert(v->impl()).second) out.emplace_back(name, *v);
  return out;
}

std::vector<Variable> Module::parameters() const {
  std::vector<Variable> out;
  for (auto& [name, v] : named_parameters()) out.push_back(v);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers() const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (auto& [name, v] : all_slots(false, true)) out.emplace_back(name, v->value());
  return out;
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_children() const {
  return children_;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (const auto& [name, child] : children_) out.push_back(child);
  return out;
}

std::int64_t Module::num_parameters(bool trainable_only) const {
  std::int64_t n = 0;
  for (auto& [name, v] : named_parameters())
    if (!trainable_only || v.requires_grad()) n += v.numel();
  return n;
}

Variable Module::parameter(const std::string& name) const {
  std::vector<std::string> names;
  for (auto& [n, v] : all_slots(true, false)) {
    if (n == name) return *v;
    names.push_back(n);
  }
  MINIDL_FAIL(type_name_, ": no parameter named '", name, "'; parameters: ", list_names(names));
}

void Module::set_parameter(const std::string& name, Variable value) {
  for (auto& [n, slot] : all_parameter_slots()) {
    if (n != name) continue;
    MINIDL_CHECK(
        value.defined() && value.shape() == slot->shape() && value.dtype() == slot->dtype(),
        type_name_, ": set_parameter('", name, "') needs ", dtype_name(slot->dtype()), " ",
        shape_str(slot->shape()), ", got ",
        value.defined() ? std::string(dtype_name(value.dtype())) + " " + shape_str(value.shape())
                        : std::string("an undefined variable"));
    *slot = std::move(value);
    return;
  }
  parameter(name);  // throws, listing the names
}

// ---- modes
void Module::train(bool on) {
  for (auto& [name, m] : named_modules()) m->training_ = on;
}

void Module::zero_grad() {
  for (auto& [name, v] : all_parameter_slots()) v->zero_grad();
}

Module& Module::requires_grad_(bool requires_grad) {
  for (auto& [name, v] : all_parameter_slots()) v->set_requires_grad(requires_grad);
  return *this;
}

Module& Module::to(DType dtype) {
  MINIDL_CHECK(is_floating(dtype), type_name_, ": to() needs a floating dtype, got ",
               dtype_name(dtype));
  for (auto& [prefix, m] : named_modules()) {
    for (auto& s : m->params_) {
      s.var.zero_grad();
      s.var.value() = s.var.value().to(dtype);
    }
    for (auto& s : m->buffers_)
      if (is_floating(s.var.dtype())) s.var.value() = s.var.value().to(dtype);
  }
  return *this;
}

// ---- state
StateDict Module::state_dict() const {
  StateDict out;
  for (auto& [name, v] : all_slots(true, true)) out[name] = v->value().clone();
  return out;
}

LoadReport Module::load_state_dict(const StateDict& state, bool strict) {
  LoadReport report;
  std::set<std::string> known;
  std::vector<std::pair<Variable*, const Tensor*>> matches;
  for (auto& [name, cv] : all_slots(true, true)) {
    if (!known.insert(name).second) continue;
    auto it = state.find(name);
    if (it == state.end()) {
      report.missing.push_back(name);
      continue;
    }
    const Tensor& src = it->second;
    if (src.shape() != cv->shape() || src.dtype() != cv->dtype()) {
      report.mismatched.push_back(name + ": " + dtype_name(src.dtype()) + " " +
                                  shape_str(src.shape()) + " in the state vs " +
                                  dtype_name(cv->dtype()) + " " + shape_str(cv->shape()) +
                                  " in the module");
      continue;
    }
    matches.emplace_back(const_cast<Variable*>(cv), &src);
    report.loaded.push_back(name);
  }
  for (const auto& [name, t] : state)
    if (!known.count(name)) report.unexpected.push_back(name);
  MINIDL_CHECK(!strict || report.ok(), type_name_, ": load_state_dict (strict) found ",
               report.missing.size() + report.unexpected.size() + report.mismatched.size(),
               " problem(s), nothing was loaded:\n", report.to_string());
  for (auto& [slot, src] : matches) slot->value().copy_(*src);
  return report;
}

StateDict Module::generator_states() const {
  StateDict out;
  for (auto& [prefix, m] : named_modules()) {
    for (const auto& [name, gen] : m->generators_) {
      out[join(prefix, name)] =
          from_vector(std::vector<std::int64_t>{static_cast<std::int64_t>(gen->seed()),
                                                static_cast<std::int64_t>(gen->offset())},
                      {2});
    }
  }
  return out;
}

void Module::load_generator_states(const StateDict& states) {
  std::vector<std::pair<std::string, Generator*>> gens;
  for (auto& [prefix, m] : named_modules())
    for (auto& [name, gen] : m->generators_) gens.emplace_back(join(prefix, name), gen);
  LoadReport report;
  std::set<std::string> known;
  for (auto& [name, gen] : gens) {
    known.insert(name);
    auto it = states.find(name);
    if (it == states.end())
      report.missing.push_back(name);
    else if (it->second.dtype() != kInt64 || it->second.shape() != Shape{2})
      report.mismatched.push_back(name + ": needs int64 [2] {seed, offset}, got " +
                                  dtype_name(it->second.dtype()) + " " +
                                  shape_str(it->second.shape()));
  }
  for (const auto& [name, t] : states)
    if (!known.count(name)) report.unexpected.push_back(name);
  MINIDL_CHECK(report.ok(), type_name_, ": load_generator_states: ", report.to_string());
  for (auto& [name, gen] : gens) {
    auto v = states.at(name).values<std::int64_t>();
    gen->set_state(static_cast<std::uint64_t>(v[0]), static_cast<std::uint64_t>(v[1]));
  }
}

}  // namespace minidl::nn
