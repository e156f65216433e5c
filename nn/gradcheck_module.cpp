#include "nn/gradcheck_module.h"

#include <string>
#include <utility>
#include <vector>

namespace minidl::nn {

GradcheckResult gradcheck_module(Module& module, const Variable& input,
                                 const GradcheckOptions& options) {
  std::vector<std::pair<std::string, Variable>> params;
  for (auto& [name, p] : module.named_parameters())
    if (p.requires_grad()) params.emplace_back(name, p);
  std::vector<Variable> inputs = {input};
  for (auto& [name, p] : params) inputs.push_back(p);

  struct Restore {
    Module& module;
    const std::vector<std::pair<std::string, Variable>>& params;
    ~Restore() {
      for (auto& [name, p] : params) module.set_parameter(name, p);
    }
  } restore{module, params};
  VariableFn f = [&](const std::vector<Variable>& xs) {
    for (std::size_t i = 0; i < params.size(); ++i)
      module.set_parameter(params[i].first, xs[i + 1]);
    return std::vector<Variable>{module(xs[0])};
  };
  GradcheckResult r = gradcheck(f, inputs, options);
  if (!r.ok) {
    // Name the parameter instead of "input k" (input 0 is the module's input).
    std::string names = "inputs: 0 = the module's input";
    for (std::size_t i = 0; i < params.size(); ++i)
      names += ", " + std::to_string(i + 1) + " = " + params[i].first;
    r.message = module.type_name() + ": " + r.message + " (" + names + ")";
  }
  return r;
}

}  // namespace minidl::nn
