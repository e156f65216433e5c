#include "losses/registry.h"

#include <cmath>

#include "tensor/error.h"

namespace minidl::losses {

const std::vector<LossInfo>& registry() {
  static const std::vector<LossInfo> table = [] {
    std::vector<LossInfo> all;
    for (auto rows :
         {regression_losses, classification_losses, classification_margin_losses, imbalance_losses,
          probabilistic_losses, ranking_losses, robust_losses, regularization_losses,
          composition_losses, metric_losses, metric_proxy_losses, metric_softmax_losses,
          metric_angular_losses, policy_gradient_losses, gan_losses, detection_losses}) {
      for (LossInfo& row : rows()) all.push_back(std::move(row));
    }
    return all;
  }();
  return table;
}

std::vector<LossInfo> in_family(const std::string& family, std::vector<LossInfo> rows) {
  for (LossInfo& row : rows) row.family = family;
  return rows;
}

ParamSpec reduction_param(const std::string& default_value, const std::string& note) {
  return {"reduction", default_value, "'none' | 'mean' | 'sum'" + note};
}

namespace {
thread_local DefaultsAudit* t_audit = nullptr;
}  // namespace

DefaultsAudit::DefaultsAudit() : previous_(t_audit) { t_audit = this; }
DefaultsAudit::~DefaultsAudit() { t_audit = previous_; }

void DefaultsAudit::record(const std::string& name, ParamValue value) {
  if (t_audit != nullptr) t_audit->recorded_[name] = std::move(value);
}

bool EvalArgs::flag(const std::string& name, bool cpp_default) const {
  DefaultsAudit::record(name, cpp_default);
  return flag(name);
}
double EvalArgs::number(const std::string& name, double cpp_default) const {
  DefaultsAudit::record(name, cpp_default);
  return number(name);
}
std::int64_t EvalArgs::integer(const std::string& name, std::int64_t cpp_default) const {
  DefaultsAudit::record(name, static_cast<double>(cpp_default));
  return integer(name);
}
std::optional<double> EvalArgs::optional_number(const std::string& name,
                                                std::optional<double> cpp_default) const {
  DefaultsAudit::record(name, cpp_default ? ParamValue(*cpp_default) : ParamValue());
  return optional_number(name);
}
const std::string& EvalArgs::text(const std::string& name, const std::string& cpp_default) const {
  DefaultsAudit::record(name, cpp_default);
  return text(name);
}
const std::vector<double>& EvalArgs::numbers(const std::string& name,
                                             const std::vector<double>& cpp_default) const {
  DefaultsAudit::record(name, cpp_default);
  return numbers(name);
}
Reduction EvalArgs::reduction(Reduction cpp_default) const {
  DefaultsAudit::record("reduction", std::string(to_string(cpp_default)));
  return reduction();
}

const LossInfo* find_loss(std::string_view name) {
  for (const LossInfo& row : registry())
    if (row.name == name) return &row;
  return nullptr;
}

const Variable& EvalArgs::input(const std::string& name) const {
  auto it = inputs_.find(name);
  MINIDL_CHECK(it != inputs_.end() && it->second.defined(), loss_, ": missing input '", name, "'");
  return it->second;
}

std::optional<Variable> EvalArgs::optional_input(const std::string& name) const {
  auto it = inputs_.find(name);
  if (it == inputs_.end() || !it->second.defined()) return std::nullopt;
  return it->second;
}

const ParamValue& EvalArgs::param(const std::string& name) const {
  auto it = params_.find(name);
  MINIDL_CHECK(it != params_.end(), loss_, ": missing parameter '", name, "'");
  return it->second;
}

bool EvalArgs::is_null(const std::string& name) const {
  return std::holds_alternative<std::monostate>(param(name));
}

bool EvalArgs::flag(const std::string& name) const {
  const auto* v = std::get_if<bool>(&param(name));
  MINIDL_CHECK(v != nullptr, loss_, ": parameter '", name, "' must be true or false");
  return *v;
}

double EvalArgs::number(const std::string& name) const {
  const auto* v = std::get_if<double>(&param(name));
  MINIDL_CHECK(v != nullptr, loss_, ": parameter '", name, "' must be a number");
  return *v;
}

std::int64_t EvalArgs::integer(const std::string& name) const {
  const double v = number(name);
  MINIDL_CHECK(std::floor(v) == v && std::abs(v) < 9.0e15, loss_, ": parameter '", name,
               "' must be an integer, got ", v);
  return static_cast<std::int64_t>(v);
}

std::optional<double> EvalArgs::optional_number(const std::string& name) const {
  if (is_null(name)) return std::nullopt;
  return number(name);
}

const std::string& EvalArgs::text(const std::string& name) const {
  const auto* v = std::get_if<std::string>(&param(name));
  MINIDL_CHECK(v != nullptr, loss_, ": parameter '", name, "' must be a string");
  return *v;
}

const std::vector<double>& EvalArgs::numbers(const std::string& name) const {
  const auto* v = std::get_if<std::vector<double>>(&param(name));
  MINIDL_CHECK(v != nullptr, loss_, ": parameter '", name, "' must be a list of numbers");
  return *v;
}

}  // namespace minidl::losses
