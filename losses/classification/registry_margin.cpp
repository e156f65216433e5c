// The margin-based classification rows of the loss registry (losses/registry.h): hinge, squared
// hinge, multi-margin, multilabel margin, multilabel soft margin, soft margin.
#include "losses/classification_margin.h"
#include "losses/registry.h"

namespace minidl::losses {

std::vector<LossInfo> classification_margin_losses() {
  const ParamSpec reduction = reduction_param();
  const ParamSpec margin{"margin", 1.0, "required gap between y x and 0 (hinge at margin - y x)"};
  const std::vector<InputSpec> sign_pair = {
      {"input", InputKind::kFloat, false, "scores x, any shape"},
      {"target", InputKind::kFloat, false, "labels -1 or +1, same shape (no gradient)"}};
  const InputSpec scores{"input", InputKind::kFloat, false, "scores [N, C] or [C]"};
  const InputSpec weight{"weight", InputKind::kFloat, true, "class weights [C]"};
  auto weight_of = [](const EvalArgs& a) {
    return a.optional_input("weight").value_or(Variable());
  };
  return in_family(
      "classification",
      {
          {.name = "binary_hinge_loss",
           .formula = "max(0, margin - y x), y in {-1, +1}",
           .reference = "Cortes & Vapnik 1995 (SVM); Keras hinge (labels already -1/+1)",
           .inputs = sign_pair,
           .params = {margin, reduction},
           .evaluate =
               [](const EvalArgs& a) {
                 const BinaryHingeLossOptions d;  // the C++ defaults
                 return binary_hinge_loss(a.input("input"), a.input("target"),
                                          {.margin = a.number("margin", d.margin),
                                           .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
          {.name = "squared_hinge_loss",
           .formula = "max(0, margin - y x)^2, y in {-1, +1}",
           .reference = "L2-SVM; Keras squared_hinge (labels already -1/+1)",
           .inputs = sign_pair,
           .params = {margin, reduction},
           .evaluate =
               [](const EvalArgs& a) {
                 const SquaredHingeLossOptions d;  // the C++ defaults
                 return squared_hinge_loss(a.input("input"), a.input("target"),
                                           {.margin = a.number("margin", d.margin),
                                            .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
          {.name = "multi_margin_loss",
           .formula = "sum_{i != y} w_y max(0, margin - x_y + x_i)^p / C",
           .reference = "torch.nn.functional.multi_margin_loss (Weston & Watkins 1999)",
           .inputs = {scores,
                      {"target", InputKind::kInt, false, "class indices [N] (or one index)"},
                      weight},
           .params = {{"p", 1.0, "1 or 2: hinge or squared hinge"}, margin, reduction},
           .evaluate =
               [weight_of](const EvalArgs& a) {
                 const MultiMarginLossOptions d;  // the C++ defaults
                 return multi_margin_loss(a.input("input"), a.input("target"),
                                          {.p = a.integer("p", d.p),
                                           .margin = a.number("margin", d.margin),
                                           .weight = weight_of(a),
                                           .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = true},
          {.name = "multilabel_margin_loss",
           .formula =
               "sum_{j in T} sum_{i not in T} max(0, 1 - (x_j - x_i)) / C, T = target before -1",
           .reference = "torch.nn.functional.multilabel_margin_loss",
           .inputs = {scores,
                      {"target", InputKind::kInt, false,
                       "class indices padded with -1, same shape as input"}},
           .params = {reduction},
           .evaluate =
               [](const EvalArgs& a) {
                 const MultilabelMarginLossOptions d;  // the C++ defaults
                 return multilabel_margin_loss(a.input("input"), a.input("target"),
                                               {.reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = true},
          {.name = "multilabel_soft_margin_loss",
           .formula = "-sum_i w_i [y_i log s(x_i) + (1 - y_i) log s(-x_i)] / C, s = sigmoid",
           .reference = "torch.nn.functional.multilabel_soft_margin_loss",
           .inputs = {{"input", InputKind::kFloat, false, "scores [..., C]"},
                      {"target", InputKind::kFloat, false, "targets in [0, 1], same shape"},
                      weight},
           .params = {reduction},
           .evaluate =
               [weight_of](const EvalArgs& a) {
                 const MultilabelSoftMarginLossOptions d;  // the C++ defaults
                 return multilabel_soft_margin_loss(
                     a.input("input"), a.input("target"),
                     {.weight = weight_of(a), .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = true},
          {.name = "soft_margin_loss",
           .formula = "log(1 + exp(-y x)), y in {-1, +1}",
           .reference = "torch.nn.functional.soft_margin_loss",
           .inputs = sign_pair,
           .params = {reduction},
           .evaluate =
               [](const EvalArgs& a) {
                 const SoftMarginLossOptions d;  // the C++ defaults
                 return soft_margin_loss(a.input("input"), a.input("target"),
                                         {.reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = true},
      });
}

}  // namespace minidl::losses
