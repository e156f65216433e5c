// The imbalance rows of the loss registry (losses/registry.h).
#include "losses/registry.h"

#include "losses/imbalance.h"

namespace minidl::losses {

std::vector<LossInfo> imbalance_losses() {
  return in_family(
      "imbalance",
      {
          {.name = "sigmoid_focal_loss",
           .formula = "alpha_t (1 - p_t)^gamma BCE_with_logits(x, t), p = sigmoid(x)",
           .reference = "torchvision.ops.sigmoid_focal_loss (Lin et al. 2017, focal loss)",
           .inputs = {{"inputs", InputKind::kFloat, false, "logits, any shape"},
                      {"targets", InputKind::kFloat, false, "0/1 (or in [0, 1]), inputs' shape"}},
           .params = {{"alpha", 0.25, "weight of the positives; < 0 for none"},
                      {"gamma", 2.0, "focusing exponent >= 0"},
                      reduction_param("none", " (torchvision: 'none')")},
           .evaluate =
               [](const EvalArgs& a) {
                 const SigmoidFocalLossOptions d;  // the C++ defaults
                 return sigmoid_focal_loss(a.input("inputs"), a.input("targets"),
                                           {.alpha = a.number("alpha", d.alpha),
                                            .gamma = a.number("gamma", d.gamma),
                                            .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = true},
          {.name = "softmax_focal_loss",
           .formula =
               "-alpha_y (1 - p_y)^gamma log p_y, log p = log_softmax(x); alpha-weighted mean",
           .reference = "Lin et al. 2017 (focal loss), multi-class softmax form",
           .inputs = {{"input", InputKind::kFloat, false, "logits [N, C] or [N, C, d...]"},
                      {"target", InputKind::kInt, false, "class indices [N] or [N, d...]"},
                      {"alpha", InputKind::kFloat, true, "per-class weights [C]"}},
           .params = {{"gamma", 2.0, "focusing exponent >= 0 (0: cross_entropy)"},
                      {"ignore_index", -100.0, "target value that counts for nothing"},
                      reduction_param()},
           .evaluate =
               [](const EvalArgs& a) {
                 const SoftmaxFocalLossOptions d;  // the C++ defaults
                 return softmax_focal_loss(
                     a.input("input"), a.input("target"),
                     {.gamma = a.number("gamma", d.gamma),
                      .alpha = a.optional_input("alpha").value_or(Variable()),
                      .ignore_index = a.integer("ignore_index", d.ignore_index),
                      .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
          {.name = "class_balanced_loss",
           .formula = "(1 - beta) / (1 - beta^n_y) L(x, y), weights summing to C; L softmax CE, "
                      "sigmoid BCE or focal",
           .reference = "Cui et al. 2019 (class-balanced loss), official code's reductions",
           .inputs = {{"input", InputKind::kFloat, false, "logits [N, C]"},
                      {"target", InputKind::kInt, false, "class indices [N]"}},
           .params = {{"samples_per_class", std::vector<double>{}, "n_c of each class (required)"},
                      {"beta", 0.9999, "in [0, 1)"},
                      {"loss_type", std::string("softmax"), "'softmax' | 'sigmoid' | 'focal'"},
                      {"gamma", 2.0, "focal exponent (loss_type 'focal')"},
                      reduction_param("mean", " (mean = sum / N)")},
           .evaluate =
               [](const EvalArgs& a) {
                 const ClassBalancedLossOptions d;  // the C++ defaults
                 return class_balanced_loss(
                     a.input("input"), a.input("target"),
                     {.samples_per_class = a.numbers("samples_per_class", d.samples_per_class),
                      .beta = a.number("beta", d.beta),
                      .loss_type = a.text("loss_type", d.loss_type),
                      .gamma = a.number("gamma", d.gamma),
                      .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
      });
}

}  // namespace minidl::losses
