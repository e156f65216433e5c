// The angular metric-learning rows of the loss registry (losses/registry.h).
#include "losses/metric_angular.h"
#include "losses/registry.h"

namespace minidl::losses {
namespace {

std::vector<InputSpec> head_inputs() {
  return {{"embeddings", InputKind::kFloat, false, "embeddings [N, D] (L2-normalised inside)"},
          {"labels", InputKind::kInt, false, "class labels [N] in [0, C)"},
          {"weight", InputKind::kFloat, false, "class weight matrix [C, D] (learnable)"}};
}

}  // namespace

std::vector<LossInfo> metric_angular_losses() {
  return in_family(
      "metric",
      {
          {.name = "cosface_loss",
           .formula = "CE of s (cos theta_j - m [j = y]), cos theta_j = <x/|x|, w_j/|w_j|>",
           .reference = "Wang et al. CVPR 2018 (CosFace, large margin cosine loss, eq. 4)",
           .inputs = head_inputs(),
           .params = {{"scale", 64.0, "s, the logit scale"},
                      {"margin", 0.35, "m, subtracted from the target cosine"},
                      reduction_param("mean", " (over the N samples)")},
           .evaluate =
               [](const EvalArgs& a) {
                 const CosfaceLossOptions d;  // the C++ defaults
                 return cosface_loss(a.input("embeddings"), a.input("labels"), a.input("weight"),
                                     {.scale = a.number("scale", d.scale),
                                      .margin = a.number("margin", d.margin),
                                      .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
          {.name = "arcface_loss",
           .formula = "CE of s cos(theta_y + m) (target) and s cos theta_j (others)",
           .reference =
               "Deng et al. CVPR 2019 (ArcFace, eq. 3; insightface's fallback and easy_margin)",
           .inputs = head_inputs(),
           .params = {{"scale", 64.0, "s, the logit scale"},
                      {"margin", 0.5, "m, additive angular margin in radians (PML: degrees, 28.6)"},
                      {"easy_margin", false,
                       "margin only where cos theta_y > 0; false: cos theta - m sin m past pi - m"},
                      reduction_param("mean", " (over the N samples)")},
           .evaluate =
               [](const EvalArgs& a) {
                 const ArcfaceLossOptions d;  // the C++ defaults
                 return arcface_loss(a.input("embeddings"), a.input("labels"), a.input("weight"),
                                     {.scale = a.number("scale", d.scale),
                                      .margin = a.number("margin", d.margin),
                                      .easy_margin = a.flag("easy_margin", d.easy_margin),
                                      .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
          {.name = "sphereface_loss",
           .formula = "CE of |x| psi(theta_y), |x| cos theta_j; psi = (-1)^k cos(m theta) - 2k",
           .reference = "Liu et al. CVPR 2017 (SphereFace, A-Softmax, eqs. 6-7)",
           .inputs =
               {{"embeddings", InputKind::kFloat, false, "embeddings [N, D] (|x| is the scale)"},
                {"labels", InputKind::kInt, false, "class labels [N] in [0, C)"},
                {"weight", InputKind::kFloat, false, "class weight matrix [C, D] (learnable)"}},
           .params = {{"margin", 4.0, "m, integer angular multiplier"},
                      {"anneal_lambda", 0.0,
                       "target (lambda cos + psi) / (1 + lambda); 0 = the paper's A-Softmax"},
                      reduction_param("mean", " (over the N samples)")},
           .evaluate =
               [](const EvalArgs& a) {
                 const SphereFaceLossOptions d;  // the C++ defaults
                 return sphereface_loss(
                     a.input("embeddings"), a.input("labels"), a.input("weight"),
                     {.margin = a.integer("margin", d.margin),
                      .anneal_lambda = a.number("anneal_lambda", d.anneal_lambda),
                      .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
          {.name = "adacos_loss",
           .formula = "CE of s cos theta_j; s = sqrt(2) log(C - 1) or log(B_avg) / cos(min(pi/4, "
                      "theta_med))",
           .reference = "Zhang et al. CVPR 2019 (AdaCos, eqs. 13 and 16)",
           .inputs = head_inputs(),
           .params = {{"dynamic", false, "update the scale from the batch (eq. 16)"},
                      {"scale", std::monostate{},
                       "dynamic: the previous step's scale s^(t-1) (null: the fixed scale)"},
                      reduction_param("mean", " (over the N samples)")},
           .evaluate =
               [](const EvalArgs& a) {
                 const AdacosLossOptions d;  // the C++ defaults
                 // A fresh state's scale (<= 0: not started) is the registry's null.
                 const AdaCosState fresh;
                 AdaCosState state{
                     .scale = a.optional_number("scale", fresh.scale > 0
                                                             ? std::optional<double>(fresh.scale)
                                                             : std::nullopt)
                                  .value_or(0.0)};
                 return adacos_loss(a.input("embeddings"), a.input("labels"), a.input("weight"),
                                    {.dynamic = a.flag("dynamic", d.dynamic),
                                     .state = &state,
                                     .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
          {.name = "adaptive_margin_triplet_loss",
           .formula =
               "[D(a,p) - D(a,n) + alpha(y_a,y_n)]_+, alpha = max(0, beta + d(y_a,y_n) - s(y_a))",
           .reference =
               "Ge et al. ECCV 2018 (Hierarchical Triplet Loss, dynamic violate margin; one "
               "hierarchy level)",
           .inputs = {{"embeddings", InputKind::kFloat, false, "a batch of embeddings [N, D]"},
                      {"labels", InputKind::kInt, false, "class labels [N] (a P x K batch)"}},
           .params = {{"beta", 0.1, "the margin's constant part"},
                      {"batch_hard", false, "one triplet per anchor (hardest p and n); false: all"},
                      {"normalize_embeddings", false, "L2-normalise rows first"},
                      reduction_param("mean", " (over triplets)")},
           .evaluate =
               [](const EvalArgs& a) {
                 const AdaptiveMarginTripletLossOptions d;  // the C++ defaults
                 return adaptive_margin_triplet_loss(
                     a.input("embeddings"), a.input("labels"),
                     {.beta = a.number("beta", d.beta),
                      .batch_hard = a.flag("batch_hard", d.batch_hard),
                      .normalize_embeddings =
                          a.flag("normalize_embeddings", d.normalize_embeddings),
                      .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
      });
}

}  // namespace minidl::losses
