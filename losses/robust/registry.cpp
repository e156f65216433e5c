// The robust rows of the loss registry (losses/registry.h).
#include "losses/registry.h"

#include "losses/robust.h"

namespace minidl::losses {

std::vector<LossInfo> robust_losses() {
  const ParamSpec reduction = reduction_param();
  const ParamSpec ignore_index{"ignore_index", -100.0, "target value that contributes nothing"};
  const std::vector<InputSpec> logits_labels = {
      {"input", InputKind::kFloat, false, "logits [N, C]"},
      {"target", InputKind::kInt, false, "class indices [N]"}};
  return in_family(
      "robust",
      {
          {.name = "generalized_cross_entropy",
           .formula = "(1 - p_y^q) / q, p = softmax(x)",
           .reference = "Zhang & Sabuncu, NeurIPS 2018 (L_q loss)",
           .inputs = logits_labels,
           .params = {{"q", 0.7, "in (0, 1]: q -> 0 is cross entropy, q = 1 is 1 - p_y"},
                      ignore_index,
                      reduction},
           .evaluate =
               [](const EvalArgs& a) {
                 const GeneralizedCrossEntropyOptions d;  // the C++ defaults
                 return generalized_cross_entropy(
                     a.input("input"), a.input("target"),
                     {.q = a.number("q", d.q),
                      .ignore_index = a.integer("ignore_index", d.ignore_index),
                      .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
          {.name = "symmetric_cross_entropy",
           .formula = "alpha (-log p_y) - beta A (1 - p_y), p = softmax(x)",
           .reference = "Wang et al., ICCV 2019 (SCE = alpha CE + beta RCE)",
           .inputs = logits_labels,
           .params = {{"alpha", 0.1, "weight of cross entropy"},
                      {"beta", 1.0, "weight of reverse cross entropy"},
                      {"log_zero", -4.0, "A, the value of log 0 in RCE (authors' code: log 1e-4)"},
                      ignore_index,
                      reduction},
           .evaluate =
               [](const EvalArgs& a) {
                 const SymmetricCrossEntropyOptions d;  // the C++ defaults
                 return symmetric_cross_entropy(
                     a.input("input"), a.input("target"),
                     {.alpha = a.number("alpha", d.alpha),
                      .beta = a.number("beta", d.beta),
                      .log_zero = a.number("log_zero", d.log_zero),
                      .ignore_index = a.integer("ignore_index", d.ignore_index),
                      .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
      });
}

}  // namespace minidl::losses
