// Miners: which pairs or triplets of a batch a metric loss should look at (layer 2,
// losses/metric/). Shapes: N embeddings of D features, labels int64 [N] (equal values = same
// class).
//
// A miner returns index tuples, as pytorch-metric-learning does: pairs as the 4-tuple
// (anchor_pos, positive, anchor_neg, negative) and triplets as (anchor, positive, negative), each
// an int64 [T] tensor of batch positions. Any pair loss takes any PairTuples and any triplet loss
// any TripletTuples (losses/metric.h: contrastive_pair_loss, triplet_tuple_loss). Mining reads
// embedding values only and records nothing on the autograd tape (the indices are constants of
// the loss), which is also why a gradient check of a mined loss holds the mining result fixed.
//
// Every miner reports how many tuples it found (count()). A batch with no valid tuple (every
// label distinct, a single class, no violation) gives empty [0] tensors and count 0; every loss
// given them returns exactly 0 with zero gradients, never NaN.
//
// "Closeness" uses a dissimilarity delta: the distance itself for Euclidean and squared
// Euclidean, and delta = -s for the similarities (cosine, dot), so "harder" always means a smaller
// delta for negatives and a larger one for positives, and a margin keeps its sign.
//
// Ties (equal delta) go to the lower batch index, like argmax/argmin.
#pragma once

#include <cstdint>

#include "losses/metric/distance_util.h"
#include "tensor/random.h"
#include "tensor/tensor.h"

namespace minidl::losses {

struct PairTuples {
  Tensor anchor_pos, positive;  // positive pairs (same label, anchor_pos != positive)
  Tensor anchor_neg, negative;  // negative pairs (different labels)
  std::int64_t num_positive() const { return anchor_pos.defined() ? anchor_pos.numel() : 0; }
  std::int64_t num_negative() const { return anchor_neg.defined() ? anchor_neg.numel() : 0; }
  std::int64_t count() const { return num_positive() + num_negative(); }
};

struct TripletTuples {
  Tensor anchor, positive, negative;  // label[a] == label[p], a != p, label[n] != label[a]
  std::int64_t count() const { return anchor.defined() ? anchor.numel() : 0; }
};

// Every triplet as the pairs (a, p) and (a, n), in triplet order (PML's convert_to_pairs).
PairTuples to_pairs(const TripletTuples& triplets);

// The measure miners rank by. normalize_embeddings L2-normalises rows first (l2_normalize).
struct MinerDistance {
  Distance distance = Distance::kEuclidean;
  bool normalize_embeddings = false;
};

// ---- label-only miners (no distances)
// Every positive pair (i, j), i != j, same label, and every negative pair, row-major order.
PairTuples all_pairs(const Tensor& labels);
// Every triplet (a, p, n), ordered by a, then p, then n: sum_a K_a (K_a - 1)-ish many, so use it
// with P x K batches of moderate size (128 samples of 16 classes x 8 give 107,520).
TripletTuples all_triplets(const Tensor& labels);

// ---- distance-based miners (embeddings float [N, D], read as values)
// Batch hard (Hermans, Beyer and Leibe 2017, "In Defense of the Triplet Loss"): for every anchor
// with at least one positive and one negative, its hardest positive (largest delta) and hardest
// negative (smallest delta): one triplet per anchor.
TripletTuples batch_hard_triplets(const Tensor& embeddings, const Tensor& labels,
                                  const MinerDistance& options = {});

// Semi-hard (Schroff, Kalenichenko and Philbin 2015, FaceNet): every triplet whose negative is
// farther than the positive but inside the margin,
//   delta(a, p) < delta(a, n) < delta(a, p) + margin,
// for all anchor-positive pairs (PML's TripletMarginMiner type "semihard"; FaceNet then keeps one
// such negative per pair, PML and this miner keep all of them).
struct SemiHardOptions {
  double margin = 0.2;  // FaceNet's alpha
  Distance distance = Distance::kEuclidean;
  bool normalize_embeddings = false;
};
TripletTuples semi_hard_triplets(const Tensor& embeddings, const Tensor& labels,
                                 const SemiHardOptions& options = {});

// Hard-negative pairs: every positive pair, and for every anchor its negatives_per_anchor hardest
// negatives (smallest delta; all of them if it has fewer). The pair counterpart of batch hard, as
// used with contrastive losses (hard negative mining).
struct HardNegativePairOptions {
  std::int64_t negatives_per_anchor = 1;
  Distance distance = Distance::kEuclidean;
  bool normalize_embeddings = false;
};
PairTuples hard_negative_pairs(const Tensor& embeddings, const Tensor& labels,
                               const HardNegativePairOptions& options = {});

// Ratio-capped pairs, for balancing a pair loss: every positive pair and at most
// floor(max_negative_ratio * #positives) negative pairs, each unordered pair once (i < j: the
// contrastive terms are symmetric). The negatives kept are the hardest (smallest delta; ties to
// the earlier pair) with hardest, else a uniform draw without replacement from gen. Output in
// row-major order (i, then j). All pairs of a P x K batch hold (P - 1) K / (K - 1) negatives per
// positive (8 x 8: 8, 1,792 against 224); ratio 1 keeps as many negatives as positives.
// Without hardest the embeddings are only checked against the labels, never read.
struct CappedPairOptions {
  double max_negative_ratio = 1.0;  // >= 0
  bool hardest = false;
  Distance distance = Distance::kEuclidean;
  bool normalize_embeddings = false;
};
PairTuples ratio_capped_pairs(const Tensor& embeddings, const Tensor& labels, Generator& gen,
                              const CappedPairOptions& options = {});

// Distance-weighted sampling (Wu, Manmatha, Smola and Kraehenbuehl 2017, "Sampling Matters in
// Deep Embedding Learning", section 4). Rows are L2-normalised (the weights are the inverse of the
// density of distances between uniform points on the unit sphere S^{D-1}):
//   q(d) ~ d^{D-2} (1 - d^2 / 4)^{(D-3)/2}
//   w(a, n) = 1 / q(max(d(a, n), cutoff))  for negatives with d(a, n) < nonzero_loss_cutoff, else 0
// For every positive pair (a, p) one negative is drawn with probability w(a, n) / sum_n w(a, n)
// (from gen, so a seeded generator repeats the draw). An anchor whose weights are all 0 gets no
// triplet (as PML's DistanceWeightedMiner). Weights are computed as exp(log w - max log w) per
// anchor: D = 64 puts d^62 far outside double range otherwise.
struct DistanceWeightedOptions {
  double cutoff = 0.5;               // PML's and the paper's lower cut, against huge weights
  double nonzero_loss_cutoff = 1.4;  // negatives this far already give zero margin loss
};
TripletTuples distance_weighted_triplets(const Tensor& embeddings, const Tensor& labels,
                                         Generator& gen,
                                         const DistanceWeightedOptions& options = {});

// Multi-similarity mining (Wang, Han, Huang, Dong and Scott 2019, "Multi-Similarity Loss with
// General Pair Weighting", eq. 7-8), with similarity s (cosine by default) for anchor i:
//   negative pair (i, j) kept if s_ij > min_{k in P_i} s_ik - epsilon
//   positive pair (i, j) kept if s_ij < max_{k in N_i} s_ik + epsilon
// (for a distance, the same with delta: kept negatives are closer than the farthest positive plus
// epsilon, kept positives farther than the closest negative minus epsilon). An anchor without
// positives keeps no negatives and one without negatives keeps no positives (min over nothing is
// +inf, max -inf), as PML's MultiSimilarityMiner.
struct MultiSimilarityMinerOptions {
  double epsilon = 0.1;
  Distance distance = Distance::kCosine;
  bool normalize_embeddings = false;  // cosine normalises by definition
};
PairTuples multi_similarity_pairs(const Tensor& embeddings, const Tensor& labels,
                                  const MultiSimilarityMinerOptions& options = {});

// The dissimilarity matrix delta [N, N] (float64, diagonal 0 for the distances) the miners rank
// by; exposed for tests and for miners added elsewhere.
Tensor dissimilarity_matrix(const Tensor& embeddings, Distance distance, bool normalize);

}  // namespace minidl::losses
