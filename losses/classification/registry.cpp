// The classification rows of the loss registry (losses/registry.h): the cross entropies and the
// negative log-likelihood. The margin-based rows are in registry_margin.cpp.
#include "losses/registry.h"

#include "losses/classification.h"

namespace minidl::losses {

std::vector<LossInfo> classification_losses() {
  const ParamSpec reduction = reduction_param();
  const ParamSpec ignore_index{"ignore_index", -100.0,
                               "class-index targets equal to this count for nothing"};
  const InputSpec class_weight{"weight", InputKind::kFloat, true, "[C] weight of each class"};
  const InputSpec broadcast_weight{"weight", InputKind::kFloat, true,
                                   "weight broadcast to input's shape"};
  const auto weight_of = [](const EvalArgs& a) {
    return a.optional_input("weight").value_or(Variable());
  };
  return in_family(
      "classification",
      {
          {.name = "cross_entropy",
           .formula =
               "-sum_c w_c q_c log softmax(x)_c, q = (1 - e) onehot(y) + e / C or probabilities",
           .reference = "torch.nn.functional.cross_entropy",
           .inputs = {{"input", InputKind::kFloat, false, "logits [N, C] or [N, C, d1, ...]"},
                      {"target", InputKind::kAny, false,
                       "int64 class indices [N, d1, ...] or probabilities of input's shape"},
                      class_weight},
           .params = {ignore_index,
                      reduction,
                      {"label_smoothing", 0.0, "in [0, 1]: mix the target with the uniform one"}},
           .evaluate =
               [weight_of](const EvalArgs& a) {
                 const CrossEntropyOptions d;  // the C++ defaults
                 return cross_entropy(
                     a.input("input"), a.input("target"),
                     {.weight = weight_of(a),
                      .ignore_index = a.integer("ignore_index", d.ignore_index),
                      .reduction = a.reduction(d.reduction),
                      .label_smoothing = a.number("label_smoothing", d.label_smoothing)});
               },
           .torch_has_it = true},
          {.name = "nll_loss",
           .formula = "-w_y x_y (x log-probabilities)",
           .reference = "torch.nn.functional.nll_loss",
           .inputs = {{"input", InputKind::kFloat, false,
                       "log-probabilities [N, C] or [N, C, d1, ...]"},
                      {"target", InputKind::kInt, false, "class indices [N] or [N, d1, ...]"},
                      class_weight},
           .params = {ignore_index, reduction},
           .evaluate =
               [weight_of](const EvalArgs& a) {
                 const NllLossOptions d;  // the C++ defaults
                 return nll_loss(a.input("input"), a.input("target"),
                                 {.weight = weight_of(a),
                                  .ignore_index = a.integer("ignore_index", d.ignore_index),
                                  .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = true},
          {.name = "binary_cross_entropy",
           .formula = "-w [y max(log x, -100) + (1 - y) max(log(1 - x), -100)]",
           .reference = "torch.nn.functional.binary_cross_entropy",
           .inputs = {{"input", InputKind::kFloat, false, "probabilities in [0, 1]"},
                      {"target", InputKind::kFloat, false, "targets in [0, 1], input's shape"},
                      broadcast_weight},
           .params = {reduction},
           .evaluate =
               [weight_of](const EvalArgs& a) {
                 const BinaryCrossEntropyOptions d;  // the C++ defaults
                 return binary_cross_entropy(
                     a.input("input"), a.input("target"),
                     {.weight = weight_of(a), .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = true},
          {.name = "binary_cross_entropy_with_logits",
           .formula = "w [(1 - y) x + (1 + (p - 1) y) softplus(-x)]",
           .reference = "torch.nn.functional.binary_cross_entropy_with_logits",
           .inputs = {{"input", InputKind::kFloat, false, "logits"},
                      {"target", InputKind::kFloat, false, "targets in [0, 1], input's shape"},
                      broadcast_weight,
                      {"pos_weight", InputKind::kFloat, true,
                       "weight p of the positive term, broadcast over the last (class) axis"}},
           .params = {reduction},
           .evaluate =
               [weight_of](const EvalArgs& a) {
                 const BinaryCrossEntropyWithLogitsOptions d;  // the C++ defaults
                 return binary_cross_entropy_with_logits(
                     a.input("input"), a.input("target"),
                     {.weight = weight_of(a),
                      .pos_weight = a.optional_input("pos_weight").value_or(Variable()),
                      .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = true},
      });
}

}  // namespace minidl::losses
