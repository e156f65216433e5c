// The proxy metric-learning rows of the loss registry (losses/registry.h): losses with learnable
// state (centers, proxies) and hand-built tuples, declared in losses/metric_proxy.h.
#include "losses/metric_proxy.h"
#include "losses/registry.h"

namespace minidl::losses {
namespace {

std::vector<InputSpec> proxy_inputs() {
  return {{"embeddings", InputKind::kFloat, false, "a batch of embeddings [N, D]"},
          {"labels", InputKind::kInt, false, "class labels [N] in [0, C)"},
          {"proxies", InputKind::kFloat, false, "one learnable proxy per class [C, D]"}};
}

}  // namespace

std::vector<LossInfo> metric_proxy_losses() {
  return in_family(
      "metric",
      {
          {.name = "center_loss",
           .formula = "1/2 |x_i - c_{y_i}|^2 per sample (mean over the batch by default)",
           .reference = "Wen et al. 2016 (center loss, eq. 2)",
           .inputs = {{"input", InputKind::kFloat, false, "deep features [N, D]"},
                      {"labels", InputKind::kInt, false, "class labels [N] in [0, C)"},
                      {"centers", InputKind::kFloat, false, "class centers [C, D]"}},
           .params = {reduction_param("mean", " ('sum': the paper's L_C)")},
           .evaluate =
               [](const EvalArgs& a) {
                 const CenterLossOptions d;  // the C++ defaults
                 return center_loss(a.input("input"), a.input("labels"), a.input("centers"),
                                    {.reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
          {.name = "quadruplet_loss",
           .formula =
               "[d(a, p) - d(a, n1) + alpha1]_+ + [d(a, p) - d(n1, n2) + alpha2]_+, d = |u - v|^2",
           .reference = "Chen et al. 2017 (quadruplet loss, eq. 5)",
           .inputs = {{"anchor", InputKind::kFloat, false, "anchors [N, D]"},
                      {"positive", InputKind::kFloat, false, "same class as the anchor [N, D]"},
                      {"negative1", InputKind::kFloat, false, "another class [N, D]"},
                      {"negative2", InputKind::kFloat, false, "a third class [N, D]"}},
           .params = {{"alpha1", 1.0, "margin of the triplet term"},
                      {"alpha2", 0.5, "margin of the negative-pair term (smaller than alpha1)"},
                      {"normalize_embeddings", false, "L2-normalise rows first"},
                      reduction_param()},
           .evaluate =
               [](const EvalArgs& a) {
                 const QuadrupletLossOptions d;  // the C++ defaults
                 return quadruplet_loss(a.input("anchor"), a.input("positive"),
                                        a.input("negative1"), a.input("negative2"),
                                        {.alpha1 = a.number("alpha1", d.alpha1),
                                         .alpha2 = a.number("alpha2", d.alpha2),
                                         .normalize_embeddings =
                                             a.flag("normalize_embeddings", d.normalize_embeddings),
                                         .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
          {.name = "proxy_nca_loss",
           .formula = "-log softmax_c(-s |x_i - p_c|^2)[y_i], rows L2-normalised",
           .reference = "Movshovitz-Attias et al. 2017 (Proxy-NCA), as pytorch-metric-learning",
           .inputs = proxy_inputs(),
           .params = {{"softmax_scale", 1.0, "s, the inverse temperature of the softmax"},
                      {"normalize_embeddings", true, "L2-normalise embeddings and proxies first"},
                      reduction_param()},
           .evaluate =
               [](const EvalArgs& a) {
                 const ProxyNcaLossOptions d;  // the C++ defaults
                 return proxy_nca_loss(a.input("embeddings"), a.input("labels"), a.input("proxies"),
                                       {.softmax_scale = a.number("softmax_scale", d.softmax_scale),
                                        .normalize_embeddings =
                                            a.flag("normalize_embeddings", d.normalize_embeddings),
                                        .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
          {.name = "proxy_anchor_loss",
           .formula = "1/|P+| sum_p log(1 + sum_{x+} e^{-a(s - d)}) + 1/|P| sum_p log(1 + sum_{x-} "
                      "e^{a(s + d)}), s = cos",
           .reference = "Kim et al. 2020 (Proxy Anchor, eq. 4)",
           .inputs = proxy_inputs(),
           .params = {{"alpha", 32.0, "scale (PML: alpha)"},
                      {"delta", 0.1, "margin (PML: margin)"},
                      reduction_param("mean", " (mean: the paper's; none: per proxy [C])")},
           .evaluate =
               [](const EvalArgs& a) {
                 const ProxyAnchorLossOptions d;  // the C++ defaults
                 return proxy_anchor_loss(a.input("embeddings"), a.input("labels"),
                                          a.input("proxies"),
                                          {.alpha = a.number("alpha", d.alpha),
                                           .delta = a.number("delta", d.delta),
                                           .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
          {.name = "lmnn_loss",
           .formula =
               "(1 - mu) sum_{j in T_i} d_ij + mu sum_{j in T_i, y_l != y_i} [1 + d_ij - d_il]_+, "
               "d = |.|^2",
           .reference = "Weinberger and Saul 2009 (LMNN, eq. 13), in-batch target neighbours",
           .inputs = {{"embeddings", InputKind::kFloat, false, "a batch of embeddings [N, D]"},
                      {"labels", InputKind::kInt, false, "class labels [N]"}},
           .params = {{"k", 3.0,
                       "target neighbours: the k nearest same-class samples in the batch"},
                      {"mu", 0.5, "push weight (pull: 1 - mu); metric-learn's regularization"},
                      reduction_param("mean", " (mean over all N anchors; none: per anchor [N])")},
           .evaluate =
               [](const EvalArgs& a) {
                 const LmnnLossOptions d;  // the C++ defaults
                 return lmnn_loss(a.input("embeddings"), a.input("labels"),
                                  {.k = a.integer("k", d.k),
                                   .mu = a.number("mu", d.mu),
                                   .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
      });
}

}  // namespace minidl::losses
