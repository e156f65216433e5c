// The probabilistic rows of the loss registry (losses/registry.h).
#include "losses/registry.h"

#include "losses/probabilistic.h"

namespace minidl::losses {

std::vector<LossInfo> probabilistic_losses() {
  const ParamSpec reduction = reduction_param();
  return in_family(
      "probabilistic",
      {
          {.name = "kl_div",
           .formula = "p (log p - x), 0 where p = 0; e^t (t - x) with log_target",
           .reference = "torch.nn.functional.kl_div",
           .inputs = {{"input", InputKind::kFloat, false, "log-probabilities log q"},
                      {"target", InputKind::kFloat, false,
                       "probabilities p (log p if log_target)"}},
           .params = {{"reduction", std::string("mean"),
                       "'none' | 'batchmean' (true KL: sum / N) | 'sum' | 'mean' (sum / numel)"},
                      {"log_target", false, "target holds log-probabilities"}},
           .evaluate =
               [](const EvalArgs& a) {
                 const KlDivOptions d;  // the C++ defaults
                 return kl_div(a.input("input"), a.input("target"),
                               {.reduction = a.reduction(d.reduction),
                                .log_target = a.flag("log_target", d.log_target)});
               },
           .torch_has_it = true},
          {.name = "poisson_nll_loss",
           .formula = "e^x - y x (log_input) | x - y log(x + eps); full: + Stirling(y) where y > 1",
           .reference = "torch.nn.functional.poisson_nll_loss",
           .inputs = {{"input", InputKind::kFloat, false, "log-rate (or rate if not log_input)"},
                      {"target", InputKind::kFloat, false, "counts"}},
           .params = {{"log_input", true, "input is log(rate)"},
                      {"full", false, "add y log y - y + 0.5 log(2 pi y) where y > 1"},
                      {"eps", 1e-8, "log(x + eps) when not log_input"},
                      reduction},
           .evaluate =
               [](const EvalArgs& a) {
                 const PoissonNllLossOptions d;  // the C++ defaults
                 return poisson_nll_loss(a.input("input"), a.input("target"),
                                         {.log_input = a.flag("log_input", d.log_input),
                                          .full = a.flag("full", d.full),
                                          .eps = a.number("eps", d.eps),
                                          .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = true},
          {.name = "gaussian_nll_loss",
           .formula = "0.5 (log v + (x - y)^2 / v), v = max(var, eps) [+ 0.5 log 2 pi]",
           .reference = "torch.nn.functional.gaussian_nll_loss",
           .inputs = {{"input", InputKind::kFloat, false, "predicted means"},
                      {"target", InputKind::kFloat, false, "targets"},
                      {"var", InputKind::kFloat, false,
                       "predicted variances >= 0 (input's shape, or one per row)"}},
           .params = {{"full", false, "add the constant 0.5 log(2 pi)"},
                      {"eps", 1e-6, "var is clamped at eps (gradient passes unchanged)"},
                      reduction},
           .evaluate =
               [](const EvalArgs& a) {
                 const GaussianNllLossOptions d;  // the C++ defaults
                 return gaussian_nll_loss(a.input("input"), a.input("target"), a.input("var"),
                                          {.full = a.flag("full", d.full),
                                           .eps = a.number("eps", d.eps),
                                           .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = true},
          {.name = "elbo_loss",
           .formula = "CE(x_i, y_i) + kl_weight KL / dataset_size (negative ELBO per sample)",
           .reference = "Blundell et al. 2015 (Bayes by backprop), minibatch KL weighting",
           .inputs = {{"input", InputKind::kFloat, false, "logits [N, C]"},
                      {"target", InputKind::kInt, false, "class indices [N]"},
                      {"kl", InputKind::kFloat, false, "0-d KL(q || prior) of the weights"}},
           .params = {{"kl_weight", 1.0, "beta >= 0 (1: the ELBO)"},
                      {"dataset_size", 1.0, "M > 0: the KL is spread over M samples"},
                      reduction},
           .evaluate =
               [](const EvalArgs& a) {
                 const ElboLossOptions d;  // the C++ defaults
                 return elbo_loss(a.input("input"), a.input("target"), a.input("kl"),
                                  {.kl_weight = a.number("kl_weight", d.kl_weight),
                                   .dataset_size = a.number("dataset_size", d.dataset_size),
                                   .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
      });
}

}  // namespace minidl::losses
