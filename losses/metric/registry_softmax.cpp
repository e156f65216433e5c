// The softmax metric-learning rows of the loss registry (losses/registry.h).
#include "losses/metric_softmax.h"
#include "losses/registry.h"

namespace minidl::losses {
namespace {}  // namespace

std::vector<LossInfo> metric_softmax_losses() {
  return in_family(
      "metric",
      {
          {.name = "info_nce_loss",
           .formula = "-log softmax_j(s(q_i, k_j) / tau)_i, s = cosine (or dot), positives on the "
                      "diagonal",
           .reference = "van den Oord, Li and Vinyals 2018 (InfoNCE, eq. 4); tau 0.07 from MoCo",
           .inputs = {{"query", InputKind::kFloat, false, "queries [N, D]"},
                      {"key", InputKind::kFloat, false,
                       "keys [N, D]; key i is query i's positive"}},
           .params = {{"temperature", 0.07, "softmax temperature tau > 0"},
                      {"normalize_embeddings", true, "cosine similarity; false: dot product"},
                      reduction_param()},
           .evaluate =
               [](const EvalArgs& a) {
                 const InfoNceLossOptions d;  // the C++ defaults
                 return info_nce_loss(a.input("query"), a.input("key"),
                                      {.temperature = a.number("temperature", d.temperature),
                                       .normalize_embeddings =
                                           a.flag("normalize_embeddings", d.normalize_embeddings),
                                       .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
          {.name = "nt_xent_loss",
           .formula =
               "z = [z1; z2]: -log(exp(s_ip / tau) / sum_{k != i} exp(s_ik / tau)), mean over 2N",
           .reference = "Chen, Kornblith, Norouzi and Hinton 2020 (SimCLR NT-Xent, eq. 1)",
           .inputs = {{"z1", InputKind::kFloat, false, "first view [N, D]"},
                      {"z2", InputKind::kFloat, false,
                       "second view [N, D]; row i pairs with z1's"}},
           .params = {{"temperature", 0.5, "softmax temperature tau > 0 (SimCLR; PML uses 0.07)"},
                      {"normalize_embeddings", true, "cosine similarity; false: dot product"},
                      reduction_param("mean", " (none: [2N])")},
           .evaluate =
               [](const EvalArgs& a) {
                 const NtXentLossOptions d;  // the C++ defaults
                 return nt_xent_loss(a.input("z1"), a.input("z2"),
                                     {.temperature = a.number("temperature", d.temperature),
                                      .normalize_embeddings =
                                          a.flag("normalize_embeddings", d.normalize_embeddings),
                                      .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
          {.name = "npair_loss",
           .formula = "-log softmax_j(a_i.p_j)_i + 0.25 l2_reg (|a_i|^2 + |p_i|^2)",
           .reference = "Sohn 2016 (multi-class N-pair loss, eq. 6); l2_reg as TF's npairs_loss",
           .inputs = {{"anchor", InputKind::kFloat, false, "anchors [N, D], one per class"},
                      {"positive", InputKind::kFloat, false,
                       "positives [N, D]; row i pairs anchor i"}},
           .params = {{"l2_reg", 0.002, "embedding-norm penalty weight lambda >= 0 (0: PML)"},
                      reduction_param()},
           .evaluate =
               [](const EvalArgs& a) {
                 const NpairLossOptions d;  // the C++ defaults
                 return npair_loss(a.input("anchor"), a.input("positive"),
                                   {.l2_reg = a.number("l2_reg", d.l2_reg),
                                    .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
          {.name = "supcon_loss",
           .formula = "-1/|P(i)| sum_p log(exp(s_ip / tau) / sum_{a != i} exp(s_ia / tau)), L_out",
           .reference = "Khosla et al. 2020 (supervised contrastive, eq. 2); tau 0.1 as PML",
           .inputs = {{"embeddings", InputKind::kFloat, false, "a batch of embeddings [N, D]"},
                      {"labels", InputKind::kInt, false, "class labels [N] (a P x K batch)"}},
           .params = {{"temperature", 0.1, "softmax temperature tau > 0"},
                      {"normalize_embeddings", true, "cosine similarity; false: dot product"},
                      reduction_param("mean", " (over anchors with a positive; none: [A])")},
           .evaluate =
               [](const EvalArgs& a) {
                 const SupConLossOptions d;  // the C++ defaults
                 return supcon_loss(a.input("embeddings"), a.input("labels"),
                                    {.temperature = a.number("temperature", d.temperature),
                                     .normalize_embeddings =
                                         a.flag("normalize_embeddings", d.normalize_embeddings),
                                     .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
          {.name = "multi_similarity_loss",
           .formula =
               "1/a log(1 + sum_P e^{-a (S - l)}) + 1/b log(1 + sum_N e^{b (S - l)}), S = cos",
           .reference = "Wang, Han, Huang, Dong and Scott 2019 (multi-similarity, eq. 6-8)",
           .inputs = {{"embeddings", InputKind::kFloat, false, "a batch of embeddings [N, D]"},
                      {"labels", InputKind::kInt, false, "class labels [N] (a P x K batch)"}},
           .params = {{"alpha", 2.0, "positive scale"},
                      {"beta", 50.0, "negative scale"},
                      {"base", 0.5, "similarity margin lambda"},
                      {"mine_pairs", true, "the paper's pair mining first (false: all pairs)"},
                      {"epsilon", 0.1, "mining margin"},
                      reduction_param("mean", " (mean over all N)")},
           .evaluate =
               [](const EvalArgs& a) {
                 const MultiSimilarityLossOptions d;  // the C++ defaults
                 return multi_similarity_loss(a.input("embeddings"), a.input("labels"),
                                              {.alpha = a.number("alpha", d.alpha),
                                               .beta = a.number("beta", d.beta),
                                               .base = a.number("base", d.base),
                                               .mine_pairs = a.flag("mine_pairs", d.mine_pairs),
                                               .epsilon = a.number("epsilon", d.epsilon),
                                               .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
          {.name = "lifted_structure_loss",
           .formula = "1/(2|P|) sum_P [log(sum_Ni e^{a - D_ik} + sum_Nj e^{a - D_jl}) + D_ij]_+^2",
           .reference = "Song, Xiang, Jegelka and Savarese 2016 (lifted structure, eq. 4)",
           .inputs = {{"embeddings", InputKind::kFloat, false, "a batch of embeddings [N, D]"},
                      {"labels", InputKind::kInt, false, "class labels [N] (a P x K batch)"}},
           .params = {{"margin", 1.0, "the paper's alpha"},
                      reduction_param("mean", " (mean: 1/(2|P|) sum; none: [|P|])")},
           .evaluate =
               [](const EvalArgs& a) {
                 const LiftedStructureLossOptions d;  // the C++ defaults
                 return lifted_structure_loss(a.input("embeddings"), a.input("labels"),
                                              {.margin = a.number("margin", d.margin),
                                               .reduction = a.reduction(d.reduction)});
               },
           .torch_has_it = false},
      });
}

}  // namespace minidl::losses
