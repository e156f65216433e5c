// The regression rows of the loss registry (losses/registry.h).
#include "losses/registry.h"

#include "losses/regression.h"

namespace minidl::losses {

std::vector<LossInfo> regression_losses() {
  const ParamSpec reduction = reduction_param();
  const std::vector<InputSpec> input_target = {{"input", InputKind::kFloat, false, "predictions"},
                                               {"target", InputKind::kFloat, false, "targets"}};
  return in_family(
      "regression",
      {
          {.name = "mse_loss",
           .formula = "(x - y)^2",
           .reference = "torch.nn.functional.mse_loss",
           .inputs = input_target,
           .params = {reduction},
           .evaluate =
               [](const EvalArgs& a) {
                 const MseLossOptions d;  // the C++ defaults
                 return mse_loss(a.input("input"), a.input("target"),
                                 {.reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = true},
          {.name = "l1_loss",
           .formula = "|x - y|",
           .reference = "torch.nn.functional.l1_loss",
           .inputs = input_target,
           .params = {reduction},
           .evaluate =
               [](const EvalArgs& a) {
                 const L1LossOptions d;  // the C++ defaults
                 return l1_loss(a.input("input"), a.input("target"),
                                {.reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = true},
          {.name = "smooth_l1_loss",
           .formula = "0.5 d^2 / beta if |d| < beta else |d| - 0.5 beta, d = x - y",
           .reference = "torch.nn.functional.smooth_l1_loss (Girshick 2015, Fast R-CNN)",
           .inputs = input_target,
           .params = {reduction, {"beta", 1.0, "width of the quadratic zone, >= 0 (0 = l1_loss)"}},
           .evaluate =
               [](const EvalArgs& a) {
                 const SmoothL1LossOptions d;  // the C++ defaults
                 return smooth_l1_loss(
                     a.input("input"), a.input("target"),
                     {.beta = a.number("beta", d.beta), .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = true},
          {.name = "huber_loss",
           .formula = "0.5 d^2 if |d| < delta else delta (|d| - 0.5 delta), d = x - y",
           .reference = "torch.nn.functional.huber_loss (Huber 1964)",
           .inputs = input_target,
           .params = {reduction, {"delta", 1.0, "where the quadratic turns linear, > 0"}},
           .evaluate =
               [](const EvalArgs& a) {
                 const HuberLossOptions d;  // the C++ defaults
                 return huber_loss(
                     a.input("input"), a.input("target"),
                     {.delta = a.number("delta", d.delta), .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = true},
          {.name = "log_cosh_loss",
           .formula = "log cosh(x - y)",
           .reference = "Keras LogCosh (keras.losses.log_cosh)",
           .inputs = input_target,
           .params = {reduction},
           .evaluate =
               [](const EvalArgs& a) {
                 const LogCoshLossOptions d;  // the C++ defaults
                 return log_cosh_loss(a.input("input"), a.input("target"),
                                      {.reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
          {.name = "quantile_loss",
           .formula = "max(q u, (q - 1) u), u = y - x",
           .reference = "Koenker & Bassett 1978 (pinball loss)",
           .inputs = input_target,
           .params = {reduction, {"quantile", 0.5, "q in (0, 1): the quantile to fit"}},
           .evaluate =
               [](const EvalArgs& a) {
                 const QuantileLossOptions d;  // the C++ defaults
                 return quantile_loss(a.input("input"), a.input("target"),
                                      {.quantile = a.number("quantile", d.quantile),
                                       .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
      });
}

}  // namespace minidl::losses
