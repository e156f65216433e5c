// The metric-learning rows of the loss registry (losses/registry.h).
#include "losses/registry.h"

#include "losses/metric.h"
#include "losses/metric/distance_util.h"

namespace minidl::losses {
namespace {

std::vector<InputSpec> triplet_inputs() {
  return {{"anchor", InputKind::kFloat, false, "anchors [N, D] or [D]"},
          {"positive", InputKind::kFloat, false, "same-class rows, anchor's shape"},
          {"negative", InputKind::kFloat, false, "other-class rows, anchor's shape"}};
}

std::vector<InputSpec> batch_inputs() {
  return {{"embeddings", InputKind::kFloat, false, "a batch of embeddings [N, D]"},
          {"labels", InputKind::kInt, false, "class labels [N] (a P x K batch)"}};
}

std::vector<ParamSpec> batch_params(double margin) {
  return {{"margin", margin, "hinge margin (FaceNet's alpha)"},
          {"soft_margin", false, "softplus(D_ap - D_an) instead of the hinge (Hermans et al.)"},
          {"distance", std::string("euclidean"),
           "'euclidean' | 'squared_euclidean' | 'cosine' | 'dot' (similarities enter as -s)"},
          {"normalize_embeddings", false, "L2-normalise rows first"}};
}

}  // namespace

std::vector<LossInfo> metric_losses() {
  return in_family(
      "metric",
      {
          {.name = "contrastive_loss",
           .formula = "t 1/2 D^2 + (1 - t) 1/2 [m - D]_+^2, D = |x1 - x2|_2, t = 1 similar",
           .reference = "Hadsell, Chopra and LeCun 2006 (contrastive loss, eq. 4)",
           .inputs = {{"input1", InputKind::kFloat, false, "first rows of the pairs [N, D]"},
                      {"input2", InputKind::kFloat, false, "second rows [N, D]"},
                      {"target", InputKind::kAny, false, "[N]: 1 similar, 0 dissimilar"}},
           .params = {{"margin", 1.0, "dissimilar pairs are pushed to D >= margin"},
                      {"squared", true, "Hadsell's squared terms; false: D and [m - D]_+"},
                      {"normalize_embeddings", false, "L2-normalise rows first"},
                      reduction_param(),
                      {"balanced", false, "mean: mean(similar terms) + mean(dissimilar terms)"},
                      {"positive_weight", 1.0, "multiplies each similar pair's term"},
                      {"negative_weight", 1.0, "multiplies each dissimilar pair's term"}},
           .evaluate =
               [](const EvalArgs& a) {
                 const ContrastiveLossOptions d;  // the C++ defaults
                 return contrastive_loss(
                     a.input("input1"), a.input("input2"), a.input("target"),
                     {.margin = a.number("margin", d.margin),
                      .squared = a.flag("squared", d.squared),
                      .normalize_embeddings =
                          a.flag("normalize_embeddings", d.normalize_embeddings),
                      .reduction = a.reduction(d.reduction),
                      .balanced = a.flag("balanced", d.balanced),
                      .positive_weight = a.number("positive_weight", d.positive_weight),
                      .negative_weight = a.number("negative_weight", d.negative_weight)});
               },
           .torch_has_it = false},
          {.name = "triplet_margin_loss",
           .formula = "[d(a, p) - d(a, n) + margin]_+, d(u, v) = |u - v + eps|_p",
           .reference = "torch.nn.functional.triplet_margin_loss",
           .inputs = triplet_inputs(),
           .params = {{"margin", 1.0, "hinge margin >= 0"},
                      {"p", 2.0, "norm degree of the distance"},
                      {"eps", 1e-6, "added to every component of the difference"},
                      {"swap", false, "d(a, n) <- min(d(a, n), d(p, n)) (Balntas et al. 2016)"},
                      {"normalize_embeddings", false, "L2-normalise rows first (not in PyTorch)"},
                      reduction_param()},
           .evaluate =
               [](const EvalArgs& a) {
                 const TripletMarginLossOptions d;  // the C++ defaults
                 return triplet_margin_loss(
                     a.input("anchor"), a.input("positive"), a.input("negative"),
                     {.margin = a.number("margin", d.margin),
                      .p = a.number("p", d.p),
                      .eps = a.number("eps", d.eps),
                      .swap = a.flag("swap", d.swap),
                      .normalize_embeddings =
                          a.flag("normalize_embeddings", d.normalize_embeddings),
                      .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = true},
          {.name = "triplet_margin_with_distance_loss",
           .formula = "[d(a, p) - d(a, n) + margin]_+ with d = pairwise_distance or 1 - cos",
           .reference = "torch.nn.functional.triplet_margin_with_distance_loss",
           .inputs = triplet_inputs(),
           .params = {{"distance", std::string("pairwise"),
                       "'pairwise' (|u - v + 1e-6|_2) | 'cosine' (1 - cosine_similarity)"},
                      {"margin", 1.0, "hinge margin >= 0"},
                      {"swap", false, "d(a, n) <- min(d(a, n), d(p, n))"},
                      {"normalize_embeddings", false, "L2-normalise rows first (not in PyTorch)"},
                      reduction_param()},
           .evaluate =
               [](const EvalArgs& a) {
                 const TripletMarginWithDistanceLossOptions d;  // the C++ defaults
                 // PyTorch's default distance_function (None) is pairwise_distance.
                 const std::string& name =
                     a.text("distance", d.distance_function ? "a function" : "pairwise");
                 MINIDL_CHECK(name == "pairwise" || name == "cosine",
                              "triplet_margin_with_distance_loss: distance must be 'pairwise' or "
                              "'cosine', got '",
                              name, "'");
                 DistanceFunction fn;  // empty: pairwise_distance
                 if (name == "cosine") fn = cosine_distance;
                 return triplet_margin_with_distance_loss(
                     a.input("anchor"), a.input("positive"), a.input("negative"),
                     {.distance_function = fn,
                      .margin = a.number("margin", d.margin),
                      .swap = a.flag("swap", d.swap),
                      .normalize_embeddings =
                          a.flag("normalize_embeddings", d.normalize_embeddings),
                      .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = true},
          {.name = "batch_hard_triplet_loss",
           .formula = "per anchor [m + max_p D(a, p) - min_n D(a, n)]_+ over the batch",
           .reference = "Hermans, Beyer and Leibe 2017 (batch hard)",
           .inputs = batch_inputs(),
           .params =
               [] {
                 auto p = batch_params(0.2);
                 p.push_back(reduction_param("mean", " (mean over anchors with a triplet)"));
                 return p;
               }(),
           .evaluate =
               [](const EvalArgs& a) {
                 const BatchHardTripletLossOptions d;  // the C++ defaults
                 return batch_hard_triplet_loss(
                     a.input("embeddings"), a.input("labels"),
                     {.margin = a.number("margin", d.margin),
                      .soft_margin = a.flag("soft_margin", d.soft_margin),
                      .distance = parse_distance(a.text("distance", to_string(d.distance)),
                                                 "batch_hard_triplet_loss"),
                      .normalize_embeddings =
                          a.flag("normalize_embeddings", d.normalize_embeddings),
                      .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
          {.name = "batch_all_triplet_loss",
           .formula = "[m + D(a, p) - D(a, n)]_+ over all batch triplets, mean over non-zero terms",
           .reference = "Hermans, Beyer and Leibe 2017 (batch all, BA != 0)",
           .inputs = batch_inputs(),
           .params =
               [] {
                 auto p = batch_params(0.2);
                 p.push_back({"average_nonzero_only", true,
                              "mean over the non-zero terms (BA != 0); false: over all triplets"});
                 p.push_back(reduction_param());
                 return p;
               }(),
           .evaluate =
               [](const EvalArgs& a) {
                 const BatchAllTripletLossOptions d;  // the C++ defaults
                 return batch_all_triplet_loss(
                     a.input("embeddings"), a.input("labels"),
                     {.margin = a.number("margin", d.margin),
                      .soft_margin = a.flag("soft_margin", d.soft_margin),
                      .distance = parse_distance(a.text("distance", to_string(d.distance)),
                                                 "batch_all_triplet_loss"),
                      .normalize_embeddings =
                          a.flag("normalize_embeddings", d.normalize_embeddings),
                      .average_nonzero_only =
                          a.flag("average_nonzero_only", d.average_nonzero_only),
                      .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
      });
}

}  // namespace minidl::losses
