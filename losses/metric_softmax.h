// Softmax-based metric-learning losses (layer 2): each row of a similarity matrix is a
// classification over the batch, and the "class" to pick is the matching row (InfoNCE, NT-Xent,
// N-pair) or every same-label row (SupCon); plus the pair-weighting losses built on log-sum-exp
// (multi-similarity, lifted structure). One file each in losses/metric/<name>.cpp with its formula
// block; distances come from losses/metric/distance_util.h, miners from miner_util.h.
//
// Shapes: N rows (pairs or samples), D embedding features. Paired losses take two views whose
// row i matches (query/key, z1/z2, anchor/positive, [N, D]); batch losses take embeddings [N, D]
// and int64 labels [N].
#pragma once

#include "autograd/variable.h"
#include "losses/reduction.h"

namespace minidl::losses {

struct InfoNceLossOptions {
  // MoCo's tau (He et al. 2020, after Wu et al. 2018's instance discrimination); van den Oord
  // et al. score with an unscaled bilinear f_k and have no temperature.
  double temperature = 0.07;
  // true: cosine similarity (rows L2-normalised, as MoCo and SimCLR); false: the raw dot product.
  bool normalize_embeddings = true;
  Reduction reduction = Reduction::Mean;  // None: one term per query, [N]
};
// InfoNCE (van den Oord, Li and Vinyals 2018): query i's positive is key i, the other keys are its
// negatives: l_i = -log softmax_j(s(q_i, k_j) / tau)_i, cross entropy over the rows.
Variable info_nce_loss(const Variable& query, const Variable& key,
                       const InfoNceLossOptions& options = {});

struct NtXentLossOptions {
  // The tau SimCLR uses for CIFAR-10 (Chen et al. 2020, appendix; their ImageNet runs use 0.1);
  // pytorch-metric-learning's NTXentLoss defaults to 0.07 instead.
  double temperature = 0.5;
  bool normalize_embeddings = true;       // cosine similarity (SimCLR); false: dot product
  Reduction reduction = Reduction::Mean;  // None: one term per anchor, [2N] (z1's rows, then z2's)
};
// NT-Xent (SimCLR, Chen, Kornblith, Norouzi and Hinton 2020): the 2N rows of [z1; z2], each
// anchor's positive is its other view, its negatives the other 2N - 2 rows:
// l_i = -log( exp(s_ip / tau) / sum_{k != i} exp(s_ik / tau) ), mean over all 2N anchors.
Variable nt_xent_loss(const Variable& z1, const Variable& z2,
                      const NtXentLossOptions& options = {});

struct NpairLossOptions {
  // Weight lambda of the embedding-norm penalty. Sohn regularises the L2 norm of the embeddings
  // (the dot product is unbounded); 0.002 is TensorFlow's npairs_loss reg_lambda, whose scaling
  // 0.25 lambda (|a_i|^2 + |p_i|^2) is used here. pytorch-metric-learning's NPairsLoss uses 0.
  double l2_reg = 0.002;
  Reduction reduction = Reduction::Mean;  // None: one term per pair (its CE + its penalty), [N]
};
// Multi-class N-pair loss (Sohn, NeurIPS 2016, eq. 6): N pairs of N distinct classes; anchor i's
// positive is positive i, the other positives are its negatives:
// l_i = -log softmax_j(a_i.p_j)_i + 0.25 l2_reg (|a_i|^2 + |p_i|^2).
Variable npair_loss(const Variable& anchor, const Variable& positive,
                    const NpairLossOptions& options = {});

struct SupConLossOptions {
  double temperature = 0.1;          // pytorch-metric-learning's SupConLoss (and the paper's 0.1)
  bool normalize_embeddings = true;  // cosine similarity (the paper's unit sphere); false: dot
  // Mean over the anchors that have a positive; None: one term per such anchor, [A].
  Reduction reduction = Reduction::Mean;
};
// Supervised contrastive loss, L_out form (Khosla et al. 2020, eq. 2): for anchor i with positives
// P(i) (same label, not i) and A(i) = every row but i,
// l_i = -1/|P(i)| sum_{p in P(i)} log( exp(s_ip / tau) / sum_{a in A(i)} exp(s_ia / tau) ).
// Anchors without a positive contribute nothing; a batch without any positive gives exactly 0.
Variable supcon_loss(const Variable& embeddings, const Variable& labels,
                     const SupConLossOptions& options = {});

struct MultiSimilarityLossOptions {
  double alpha = 2.0;  // positive-pair scale (the paper's and PML's values)
  double beta = 50.0;  // negative-pair scale
  double base = 0.5;   // the similarity margin lambda
  // The paper's pair mining (eq. 7-8, multi_similarity_pairs in miner_util.h) before weighting;
  // false: every positive and negative pair of the batch (PML's loss without a miner).
  bool mine_pairs = true;
  double epsilon = 0.1;                   // the mining margin
  Reduction reduction = Reduction::Mean;  // mean over all N anchors; None: [N]
};
// Multi-similarity loss (Wang, Han, Huang, Dong and Scott, CVPR 2019, eq. 6) on cosine similarity:
// l_i = 1/alpha log(1 + sum_{k in P_i} e^{-alpha (S_ik - base)})
//     + 1/beta  log(1 + sum_{k in N_i} e^{beta (S_ik - base)}), P_i / N_i the (mined) pairs.
Variable multi_similarity_loss(const Variable& embeddings, const Variable& labels,
                               const MultiSimilarityLossOptions& options = {});

struct LiftedStructureLossOptions {
  double margin = 1.0;  // the paper's alpha
  // Mean: the paper's 1/(2|P|) sum over positive pairs; None: [J_ij]_+^2 per pair, [|P|].
  Reduction reduction = Reduction::Mean;
};
// Lifted structured loss, smooth form (Song, Xiang, Jegelka and Savarese, CVPR 2016, eq. 4):
// for every positive pair i < j, with Euclidean D,
// J_ij = log(sum_{k in N_i} e^{alpha - D_ik} + sum_{l in N_j} e^{alpha - D_jl}) + D_ij,
// L = 1/(2|P|) sum_{(i, j) in P} [J_ij]_+^2.
Variable lifted_structure_loss(const Variable& embeddings, const Variable& labels,
                               const LiftedStructureLossOptions& options = {});

}  // namespace minidl::losses
