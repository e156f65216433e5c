// The regression rows of the loss registry (losses/registry.h).
#include "losses/registry.h"

#include "losses/regression.h"

namespace minidl::losses {

std::vector<LossInfo> regression_losses() {
  const ParamSpec reduction{"reduction", std::string("mean"), "'none' | 'mean' | 'sum'"};
  const std::vector<InputSpec> input_target = {{"input", InputKind::kFloat, false, "predictions"},
                                               {"target", InputKind::kFloat, false, "targets"}};
  return {
      {.name = "mse_loss",
       .family = "regression",
       .formula = "(x - y)^2",
       .reference = "torch.nn.functional.mse_loss",
       .inputs = input_target,
       .params = {reduction},
       .evaluate =
           [](const EvalArgs& a) {
             return mse_loss(a.input("input"), a.input("target"), {.reduction = a.reduction()});
           },
       .torch_has_it = true},
  };
}

}  // namespace minidl::losses
