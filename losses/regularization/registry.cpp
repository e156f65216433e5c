// The regularization rows of the loss registry (losses/registry.h).
//
// The penalties take a list of parameter tensors; `minidl loss eval` passes one, the input named
// "input" (any shape), and reports the penalty's gradient with respect to it.
#include "losses/registry.h"

#include "losses/regularization.h"

namespace minidl::losses {

std::vector<LossInfo> regularization_losses() {
  const std::vector<InputSpec> weights = {
      {"input", InputKind::kFloat, false, "a parameter tensor, any shape"}};
  return in_family("regularization",
                   {
                       {.name = "l1_penalty",
                        .formula = "l1 * sum |w|",
                        .reference = "keras.regularizers.L1 (optim l1_decay = l1)",
                        .inputs = weights,
                        .params = {{"l1", 1.0, "multiplier (Keras' l1)"}},
                        .evaluate =
                            [](const EvalArgs& a) {
                              const L1PenaltyOptions d;  // the C++ defaults
                              return l1_penalty({a.input("input")}, {.l1 = a.number("l1", d.l1)});
                            },
                        .torch_has_it = false},
                       {.name = "l2_penalty",
                        .formula = "l2 * sum w^2",
                        .reference = "keras.regularizers.L2 (optim weight_decay = 2 l2)",
                        .inputs = weights,
                        .params = {{"l2", 1.0, "multiplier (Keras' l2)"}},
                        .evaluate =
                            [](const EvalArgs& a) {
                              const L2PenaltyOptions d;  // the C++ defaults
                              return l2_penalty({a.input("input")}, {.l2 = a.number("l2", d.l2)});
                            },
                        .torch_has_it = false},
                   });
}

}  // namespace minidl::losses
