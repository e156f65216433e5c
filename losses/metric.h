// Metric-learning losses (layer 2): learn an embedding in which same-class samples are close.
// Each is defined in losses/metric/<name>.cpp with its formula block; the distances they share are
// in losses/metric/distance_util.h and the miners in losses/metric/miner_util.h.
//
// Shapes: N samples (or tuples), D embedding features. Explicit-tuple losses take rows that
// already match up (input1/input2, anchor/positive/negative, [N, D]); batch losses take
// embeddings [N, D] and int64 labels [N] and build their tuples inside the batch (a P x K batch,
// P classes x K samples each, from an m-per-class sampler gives every anchor positives).
//
// Every loss has normalize_embeddings (rows L2-normalised first, as pytorch-metric-learning's
// distances do by default); it is off by default, as in PyTorch and in the papers followed here.
// A batch or tuple set with no valid tuple gives a loss of exactly 0 with zero gradients.
#pragma once

#include <cstdint>
#include <functional>

#include "autograd/variable.h"
#include "losses/metric/distance_util.h"
#include "losses/metric/miner_util.h"
#include "losses/reduction.h"

namespace minidl::losses {

// ---- explicit tuples

struct ContrastiveLossOptions {
  double margin = 1.0;
  // true: Hadsell et al.'s squared form, 1/2 D^2 and 1/2 [m - D]_+^2; false: the plain-distance
  // form D and [m - D]_+ (pytorch-metric-learning's ContrastiveLoss with pos_margin 0).
  bool squared = true;
  bool normalize_embeddings = false;
  Reduction reduction = Reduction::Mean;
  // Balancing positives against negatives (an all-pairs batch of 8 classes x 8 holds 8 negatives
  // per positive). The weights multiply each similar / dissimilar pair's term in every
  // reduction. balanced: Mean is mean(similar terms) + mean(dissimilar terms), each set averaged
  // by its own count, as pytorch-metric-learning's ContrastiveLoss reduces pos_loss and neg_loss
  // separately and adds them; false: one mean over all N pairs. None and Sum ignore it.
  bool balanced = false;
  double positive_weight = 1.0;
  double negative_weight = 1.0;
};
// Contrastive loss (Hadsell, Chopra and LeCun 2006) on pairs (input1[i], input2[i]) with target
// 1 = similar, 0 = dissimilar: t 1/2 D^2 + (1 - t) 1/2 [m - D]_+^2, D = |input1 - input2|_2.
Variable contrastive_loss(const Variable& input1, const Variable& input2, const Variable& target,
                          const ContrastiveLossOptions& options = {});

struct TripletMarginLossOptions {
  double margin = 1.0;
  double p = 2.0;
  double eps = 1e-6;
  bool swap = false;  // Balntas et al. 2016: d(a, n) <- min(d(a, n), d(p, n))
  bool normalize_embeddings = false;
  Reduction reduction = Reduction::Mean;
};
// torch.nn.functional.triplet_margin_loss: [d(a, p) - d(a, n) + margin]_+ with
// d(u, v) = |u - v + eps|_p (pairwise_distance).
Variable triplet_margin_loss(const Variable& anchor, const Variable& positive,
                             const Variable& negative,
                             const TripletMarginLossOptions& options = {});

using DistanceFunction = std::function<Variable(const Variable&, const Variable&)>;
// 1 - cosine_similarity(a, b) over the last axis (eps 1e-8): the usual alternative distance
// function of triplet_margin_with_distance_loss (PyTorch's documentation example).
Variable cosine_distance(const Variable& a, const Variable& b);

struct TripletMarginWithDistanceLossOptions {
  DistanceFunction distance_function = {};  // empty: pairwise_distance(a, b) (p 2, eps 1e-6)
  double margin = 1.0;
  bool swap = false;
  bool normalize_embeddings = false;
  Reduction reduction = Reduction::Mean;
};
// torch.nn.functional.triplet_margin_with_distance_loss: [d(a, p) - d(a, n) + margin]_+ with a
// caller-given distance function d (rows in, one distance per row out).
Variable triplet_margin_with_distance_loss(
    const Variable& anchor, const Variable& positive, const Variable& negative,
    const TripletMarginWithDistanceLossOptions& options = {});

// ---- mined tuples: any miner's output

// What a triplet loss saw, for logging (PML's collect_stats): written when a pointer is given.
struct TripletDiagnostics {
  std::int64_t num_triplets = 0;  // tuples scored
  std::int64_t num_active = 0;    // with a non-zero loss term (a violated margin; soft: all)
  std::int64_t num_anchors = 0;   // distinct anchors among them
  double mean_positive = 0;       // mean measure d(a, p) over the tuples (0 when there are none)
  double mean_negative = 0;       // mean measure d(a, n)
};

struct TripletTupleLossOptions {
  double margin = 0.2;       // FaceNet's alpha
  bool soft_margin = false;  // Hermans et al.: softplus(delta_ap - delta_an), margin unused
  Distance distance = Distance::kEuclidean;
  bool normalize_embeddings = false;
  // Mean divides by the number of non-zero terms ("BA != 0") instead of the number of tuples.
  bool average_nonzero_only = false;
  Reduction reduction = Reduction::Mean;  // None: one term per tuple, [T]
  TripletDiagnostics* diagnostics = nullptr;
};
// The margin triplet loss on given triplets of a batch of embeddings [N, D]:
//   l_t = [margin + delta(a_t, p_t) - delta(a_t, n_t)]_+   (delta: distance, or -similarity)
Variable triplet_tuple_loss(const Variable& embeddings, const TripletTuples& triplets,
                            const TripletTupleLossOptions& options = {});

struct ContrastivePairLossOptions {
  double margin = 1.0;
  bool squared = true;
  bool normalize_embeddings = false;
  Reduction reduction = Reduction::Mean;  // Mean over all pairs; None: positives then negatives
  bool balanced = false;  // as ContrastiveLossOptions: Mean = mean(positives) + mean(negatives)
  double positive_weight = 1.0;
  double negative_weight = 1.0;
};
// contrastive_loss on mined pairs of a batch of embeddings [N, D] (Euclidean distance).
Variable contrastive_pair_loss(const Variable& embeddings, const PairTuples& pairs,
                               const ContrastivePairLossOptions& options = {});

// ---- batch losses (embeddings [N, D], labels int64 [N])

struct BatchHardTripletLossOptions {
  double margin = 0.2;
  bool soft_margin = false;
  Distance distance = Distance::kEuclidean;
  bool normalize_embeddings = false;
  Reduction reduction = Reduction::Mean;  // mean over anchors that have a triplet
  TripletDiagnostics* diagnostics = nullptr;
};
// Batch hard (Hermans et al. 2017): per anchor [m + max_p D(a, p) - min_n D(a, n)]_+.
Variable batch_hard_triplet_loss(const Variable& embeddings, const Variable& labels,
                                 const BatchHardTripletLossOptions& options = {});

struct BatchAllTripletLossOptions {
  double margin = 0.2;
  bool soft_margin = false;
  Distance distance = Distance::kEuclidean;
  bool normalize_embeddings = false;
  bool average_nonzero_only = true;  // "BA != 0"; false: "BA", the mean over all triplets
  Reduction reduction = Reduction::Mean;
  TripletDiagnostics* diagnostics = nullptr;
};
// Batch all (Hermans et al. 2017): every valid triplet of the batch, [m + D(a, p) - D(a, n)]_+.
Variable batch_all_triplet_loss(const Variable& embeddings, const Variable& labels,
                                const BatchAllTripletLossOptions& options = {});

}  // namespace minidl::losses
