// The loss registry (layer 2): one explicit table of every loss, with what a tool needs to call
// it from data: name, family, a one-line formula, the reference it follows, its inputs (PyTorch's
// argument names) and its parameters (PyTorch's keyword names and defaults), and an evaluator.
//
// The table is assembled in registry.cpp from one explicit list per family
// (losses/<family>/registry.cpp), in a fixed order; nothing registers itself. `minidl losses`
// prints it, `minidl loss eval` calls an evaluator on JSON input (tools/loss_eval.h), and the tour
// runs the example program of every row (examples/<family>/<name>.cpp).
//
// Adding a loss: its file losses/<family>/<name>.cpp (+ a declaration in losses/<family>.h), its
// test beside it, its example examples/<family>/<name>.cpp, and one row in
// losses/<family>/registry.cpp.
//
// Defaults live in the options struct (losses/<family>.h), in the row's ParamSpec and in the
// docs. The evaluator names the options struct's default of every parameter it reads, e.g.
//   const HuberOptions d;  // the C++ defaults
//   huber_loss(x, y, {.delta = a.number("delta", d.delta), .reduction = a.reduction(d.reduction)})
// and the registry test (losses/registry_defaults_test.cpp) runs every row with a
// DefaultsAudit and checks that each ParamSpec default equals the C++ default its evaluator named.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "autograd/variable.h"
#include "losses/reduction.h"

namespace minidl::losses {

// A parameter value as JSON carries it: null, a flag, a number, a word, or a list of numbers.
using ParamValue = std::variant<std::monostate, bool, double, std::string, std::vector<double>>;

struct ParamSpec {
  std::string name;          // PyTorch's keyword ("reduction", "margin", "ignore_index", ...)
  ParamValue default_value;  // also fixes the accepted type (null accepts a number or null)
  std::string help;          // one line
};

enum class InputKind {
  kFloat,  // floating point; `loss eval` reports its gradient
  kInt,    // int64 (class indices, labels)
  kAny,    // either: cross_entropy's target (indices or probabilities)
};

struct InputSpec {
  std::string name;  // PyTorch's argument name: input, target, weight, pos_weight, var, ...
  InputKind kind = InputKind::kFloat;
  bool optional = false;  // e.g. weight
  std::string help;
};

// What an evaluator receives: the inputs as Variables (floating inputs as float64 leaves that
// require grad) and the parameters with defaults filled in. Getters throw minidl::Error naming the
// loss when a value is missing or of the wrong type.
class EvalArgs {
 public:
  EvalArgs(std::string loss, std::map<std::string, Variable> inputs,
           std::map<std::string, ParamValue> params)
      : loss_(std::move(loss)), inputs_(std::move(inputs)), params_(std::move(params)) {}

  const Variable& input(const std::string& name) const;
  std::optional<Variable> optional_input(const std::string& name) const;

  bool is_null(const std::string& name) const;
  bool flag(const std::string& name) const;
  double number(const std::string& name) const;
  std::int64_t integer(const std::string& name) const;  // a number with no fractional part
  std::optional<double> optional_number(const std::string& name) const;  // null -> nullopt
  const std::string& text(const std::string& name) const;
  const std::vector<double>& numbers(const std::string& name) const;
  Reduction reduction() const { return parse_reduction(text("reduction"), loss_); }

  // The same, each naming the C++ default of the parameter (the options struct's field), which a
  // DefaultsAudit records; the value returned is the row's parameter as above.
  bool flag(const std::string& name, bool cpp_default) const;
  double number(const std::string& name, double cpp_default) const;
  std::int64_t integer(const std::string& name, std::int64_t cpp_default) const;
  std::optional<double> optional_number(const std::string& name,
                                        std::optional<double> cpp_default) const;
  const std::string& text(const std::string& name, const std::string& cpp_default) const;
  const std::vector<double>& numbers(const std::string& name,
                                     const std::vector<double>& cpp_default) const;
  Reduction reduction(Reduction cpp_default) const;

 private:
  const ParamValue& param(const std::string& name) const;
  std::string loss_;
  std::map<std::string, Variable> inputs_;
  std::map<std::string, ParamValue> params_;
};

// While alive, records on this thread every C++ default an evaluator names (parameter -> value,
// as JSON would carry it: a Reduction as its word). For the registry's defaults test.
class DefaultsAudit {
 public:
  DefaultsAudit();
  ~DefaultsAudit();
  DefaultsAudit(const DefaultsAudit&) = delete;
  DefaultsAudit& operator=(const DefaultsAudit&) = delete;
  const std::map<std::string, ParamValue>& recorded() const { return recorded_; }
  static void record(const std::string& name, ParamValue value);  // no-op without an audit

 private:
  std::map<std::string, ParamValue> recorded_;
  DefaultsAudit* previous_;
};

struct LossInfo {
  std::string name;       // PyTorch's functional name where it has one
  std::string family;     // regression, classification, imbalance, probabilistic, ranking, ...
  std::string formula;    // one line
  std::string reference;  // "torch.nn.functional.mse_loss" or "Lin et al. 2017 (focal loss)"
  std::vector<InputSpec> inputs;
  std::vector<ParamSpec> params;
  std::function<Variable(const EvalArgs&)> evaluate;
  bool torch_has_it = false;  // PyTorch or torchvision defines the same function
};

// A family's list with `family` set on each row (the rows leave it out), and the "reduction"
// parameter as the rows declare it: default `default_value`, help "'none' | 'mean' | 'sum'" + note.
std::vector<LossInfo> in_family(const std::string& family, std::vector<LossInfo> rows);
ParamSpec reduction_param(const std::string& default_value = "mean", const std::string& note = "");

// The whole table, in family order.
const std::vector<LossInfo>& registry();
// The row of a loss, or nullptr.
const LossInfo* find_loss(std::string_view name);

// One explicit list per family, each defined in losses/<family>/registry.cpp.
std::vector<LossInfo> regression_losses();
std::vector<LossInfo> classification_losses();         // losses/classification/registry.cpp
std::vector<LossInfo> classification_margin_losses();  // losses/classification/registry_margin.cpp
std::vector<LossInfo> imbalance_losses();
std::vector<LossInfo> probabilistic_losses();
std::vector<LossInfo> ranking_losses();
std::vector<LossInfo> robust_losses();
std::vector<LossInfo> regularization_losses();
std::vector<LossInfo> composition_losses();
std::vector<LossInfo> metric_losses();           // losses/metric/registry.cpp
std::vector<LossInfo> metric_proxy_losses();     // losses/metric/registry_proxy.cpp
std::vector<LossInfo> metric_softmax_losses();   // losses/metric/registry_softmax.cpp
std::vector<LossInfo> metric_angular_losses();   // losses/metric/registry_angular.cpp
std::vector<LossInfo> policy_gradient_losses();  // losses/policy_gradient/registry.cpp
std::vector<LossInfo> gan_losses();              // losses/gan/registry.cpp
std::vector<LossInfo> detection_losses();        // losses/detection/registry.cpp

}  // namespace minidl::losses
