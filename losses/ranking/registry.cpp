// The ranking rows of the loss registry (losses/registry.h).
#include "losses/registry.h"

#include "losses/ranking.h"

namespace minidl::losses {

std::vector<LossInfo> ranking_losses() {
  const ParamSpec reduction = reduction_param();
  const InputSpec sign_target{"target", InputKind::kFloat, false, "labels -1 / +1"};
  return in_family(
      "ranking",
      {
          {.name = "margin_ranking_loss",
           .formula = "max(0, -y (x1 - x2) + margin)",
           .reference = "torch.nn.functional.margin_ranking_loss",
           .inputs = {{"input1", InputKind::kFloat, false, "scores of the first items"},
                      {"input2", InputKind::kFloat, false, "scores of the second items"},
                      {"target", InputKind::kFloat, false, "+1: input1 ranks higher, -1: input2"}},
           .params = {{"margin", 0.0, "required score gap"}, reduction},
           .evaluate =
               [](const EvalArgs& a) {
                 const MarginRankingLossOptions d;  // the C++ defaults
                 return margin_ranking_loss(a.input("input1"), a.input("input2"), a.input("target"),
                                            {.margin = a.number("margin", d.margin),
                                             .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = true},
          {.name = "hinge_embedding_loss",
           .formula = "x if y = 1, max(0, margin - x) if y = -1",
           .reference = "torch.nn.functional.hinge_embedding_loss",
           .inputs = {{"input", InputKind::kFloat, false, "pair distances"}, sign_target},
           .params = {{"margin", 1.0, "distance dissimilar pairs are pushed beyond"}, reduction},
           .evaluate =
               [](const EvalArgs& a) {
                 const HingeEmbeddingLossOptions d;  // the C++ defaults
                 return hinge_embedding_loss(a.input("input"), a.input("target"),
                                             {.margin = a.number("margin", d.margin),
                                              .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = true},
          {.name = "cosine_embedding_loss",
           .formula = "1 - cos(x1, x2) if y = 1, max(0, cos(x1, x2) - margin) if y = -1",
           .reference = "torch.nn.functional.cosine_embedding_loss",
           .inputs = {{"input1", InputKind::kFloat, false, "embeddings [N, D] or [D]"},
                      {"input2", InputKind::kFloat, false, "embeddings, same shape"},
                      sign_target},
           .params = {{"margin", 0.0, "largest cosine allowed for dissimilar pairs"}, reduction},
           .evaluate =
               [](const EvalArgs& a) {
                 const CosineEmbeddingLossOptions d;  // the C++ defaults
                 return cosine_embedding_loss(a.input("input1"), a.input("input2"),
                                              a.input("target"),
                                              {.margin = a.number("margin", d.margin),
                                               .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = true},
      });
}

}  // namespace minidl::losses
