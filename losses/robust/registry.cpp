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
          {.name = "group_reweighted_loss",
           .formula = "w_{a_i} CE(x_i, y_i), w_g = n / (G n_g); mean = sum / N",
           .reference = "Sagawa et al., ICLR 2020 (reweighting baseline); Idrissi et al. 2022",
           .inputs = {{"input", InputKind::kFloat, false, "logits [N, C]"},
                      {"target", InputKind::kInt, false, "class indices [N]"},
                      {"group", InputKind::kInt, false, "group ids [N] in [0, G)"}},
           .params = {{"group_counts", std::vector<double>{}, "n_g of each group (required)"},
                      reduction},
           .evaluate =
               [](const EvalArgs& a) {
                 const GroupReweightedLossOptions d;  // the C++ defaults
                 return group_reweighted_loss(
                     a.input("input"), a.input("target"), a.input("group"),
                     {.group_counts = a.numbers("group_counts", d.group_counts),
                      .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
          {.name = "group_dro_loss",
           .formula = "sum_g q'_g L_g, q'_g ~ q_g exp(eta L_g), L_g = mean CE of group g",
           .reference = "Sagawa et al., ICLR 2020 (online group DRO, Algorithm 1)",
           .inputs = {{"input", InputKind::kFloat, false, "logits [N, C]"},
                      {"target", InputKind::kInt, false, "class indices [N]"},
                      {"group", InputKind::kInt, false, "group ids [N] in [0, G)"}},
           .params = {{"group_weights", std::vector<double>{},
                       "q_g before the step, one per group (required; e.g. all 1)"},
                      {"step_size", 0.01, "eta >= 0 of the ascent step on q"}},
           .evaluate =
               [](const EvalArgs& a) {
                 const GroupDroLossOptions d;  // the C++ defaults
                 return group_dro_loss(
                     a.input("input"), a.input("target"), a.input("group"),
                     {.group_weights = a.numbers("group_weights", d.group_weights),
                      .step_size = a.number("step_size", d.step_size)});
               },
           .torch_has_it = false},
      });
}

}  // namespace minidl::losses
