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

 private:
  const ParamValue& param(const std::string& name) const;
  std::string loss_;
  std::map<std::string, Variable> inputs_;
  std::map<std::string, ParamValue> params_;
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
