// Angular-margin metric-learning losses (layer 2): classification heads on the sphere. A class
// weight matrix W [C, D] (the caller's learnable Variable, trained alongside the network) and the
// embeddings are compared by the angle theta_ij between x_i and w_j; a margin on the target angle
// makes the classes' regions on the sphere compact and apart, so the embeddings (not the head)
// are what is kept and used for retrieval by cosine distance.
//
// Shapes: N samples, D embedding features, C classes. embeddings [N, D] floating, labels int64
// [N] in [0, C), weight [C, D]. Each loss is defined in losses/metric/<name>.cpp with its formula
// block. Reduction: mean over the N samples (default), sum, or none ([N]).
// Margins are in radians (cosface's m is on the cosine); pytorch-metric-learning's ArcFaceLoss
// and SphereFaceLoss take degrees (ArcFace's 0.5 rad = 28.6 degrees).
//
// The file also holds adaptive_margin_triplet_loss (at the end): a batch triplet loss whose
// margin is set per class pair (Hierarchical Triplet Loss rule), on embeddings and labels only.
#pragma once

#include <cstdint>

#include "autograd/variable.h"
#include "losses/metric/miner_util.h"
#include "losses/reduction.h"

namespace minidl::losses {

struct CosfaceLossOptions {
  double scale = 64.0;   // s (the paper's default, also pytorch-metric-learning's)
  double margin = 0.35;  // m, subtracted from the target cosine (paper: 0.35)
  Reduction reduction = Reduction::Mean;
};
// CosFace / large margin cosine loss (Wang et al. CVPR 2018):
//   l_i = -log softmax(z_i)_{y_i},   z_ij = s (cos theta_ij - m [j = y_i])
Variable cosface_loss(const Variable& embeddings, const Variable& labels, const Variable& weight,
                      const CosfaceLossOptions& options = {});

struct ArcfaceLossOptions {
  double scale = 64.0;  // s (paper and insightface)
  // m, additive angular margin in radians (paper: 0.5). pytorch-metric-learning's ArcFaceLoss
  // takes degrees: its margin=28.6 is this 0.5.
  double margin = 0.5;
  // insightface's easy_margin: the margin only where cos theta_y > 0 (else plain cos theta_y);
  // false: the fallback cos theta_y - m sin m where theta_y + m would pass pi.
  bool easy_margin = false;
  Reduction reduction = Reduction::Mean;
};
// ArcFace / additive angular margin loss (Deng et al. CVPR 2019): softmax cross-entropy of
// s cos(theta_y + m) for the target and s cos theta_j for the others.
Variable arcface_loss(const Variable& embeddings, const Variable& labels, const Variable& weight,
                      const ArcfaceLossOptions& options = {});

struct SphereFaceLossOptions {
  std::int64_t margin = 4;  // m, the integer angular multiplier (paper: 4)
  // lambda of the annealed target logit (lambda cos theta_y + psi(theta_y)) / (1 + lambda) |x|.
  // 0 (the default) is the paper's A-Softmax itself. The reference implementations anneal it
  // from large to small over training (Caffe: max(5, 1000 / (1 + 0.12 it)); clcarwin's PyTorch
  // AngleLoss: max(5, 1500 / (1 + 0.1 it))): the caller owns the iteration count, so it passes
  // the current value (sphereface_lambda below computes the PyTorch port's schedule).
  double anneal_lambda = 0.0;
  Reduction reduction = Reduction::Mean;
};
// SphereFace / A-Softmax (Liu et al. CVPR 2017): softmax cross-entropy of |x| psi(theta_y) for
// the target and |x| cos theta_j for the others, psi(theta) = (-1)^k cos(m theta) - 2k on
// [k pi / m, (k + 1) pi / m]; weight rows normalised, embeddings not (|x| is the scale).
Variable sphereface_loss(const Variable& embeddings, const Variable& labels, const Variable& weight,
                         const SphereFaceLossOptions& options = {});
// clcarwin/sphereface_pytorch's annealing schedule at iteration it >= 1: max(5, 1500 / (1 + 0.1
// it)).
double sphereface_lambda(std::int64_t iteration);

// The dynamic AdaCos scale, kept by the caller between steps (it is training state, like an
// optimizer's moments): pass the same struct to every call; the loss reads s^(t-1) and writes
// s^(t) (and the batch statistics that produced it, for logging).
struct AdaCosState {
  double scale = 0.0;      // s; <= 0: not started, the first step begins at the fixed scale
  double b_avg = 0.0;      // last B_avg (mean over the batch of sum_{j != y} e^{s c_j})
  double theta_med = 0.0;  // last median target angle (radians)
};
struct AdacosLossOptions {
  // false: the fixed scale s = sqrt(2) log(C - 1) (paper eq. 13); true: the dynamic scale (paper
  // eq. 16), which needs state.
  bool dynamic = false;
  AdaCosState* state = nullptr;
  Reduction reduction = Reduction::Mean;
};
// AdaCos (Zhang et al. CVPR 2019): softmax cross-entropy of s cos theta_j with no margin and an
// automatically chosen scale s (fixed from C, or updated per batch without gradient).
Variable adacos_loss(const Variable& embeddings, const Variable& labels, const Variable& weight,
                     const AdacosLossOptions& options = {});
// sqrt(2) log(C - 1), C >= 3.
double adacos_fixed_scale(std::int64_t num_classes);

// ---- a triplet loss with a class-pair margin (embeddings [N, D], labels int64 [N], any values)

struct AdaptiveMarginTripletLossOptions {
  double beta = 0.1;  // HTL's beta: the margin's constant part (in distance units)
  // true: one triplet per anchor, its hardest positive and negative (batch hard, Hermans et al.
  // 2017; the hard triplets HTL's hierarchy samples); false: every triplet of the batch.
  bool batch_hard = false;
  bool normalize_embeddings = false;
  // The per-triplet margins [T] to use instead of the batch's own (in the order of the triplets
  // the loss forms): undefined (the default) computes them with adaptive_triplet_margins. Fixed
  // margins make the loss a plain function of the embeddings (gradient checks).
  Tensor margins = {};
  Reduction reduction = Reduction::Mean;  // mean over the triplets; none: [T]
};
// Hierarchical-triplet-loss margins (Ge et al. ECCV 2018), one hierarchy level:
//   [D(a, p) - D(a, n) + alpha(y_a, y_n)]_+ over the batch's triplets,
//   alpha(p, q) = max(0, beta + d(p, q) - s(p)), d = mean distance between classes p and q,
//   s(p) = mean distance within class p (computed from the values, a constant of the backward).
Variable adaptive_margin_triplet_loss(const Variable& embeddings, const Variable& labels,
                                      const AdaptiveMarginTripletLossOptions& options = {});
// The triplets the loss scores (all_triplets, or batch_hard_triplets with batch_hard) and their
// margins alpha(y_a, y_n), float64 [T], from the values of embeddings.
struct AdaptiveTriplets {
  TripletTuples triplets;
  Tensor margins;
};
AdaptiveTriplets adaptive_triplet_margins(const Tensor& embeddings, const Tensor& labels,
                                          const AdaptiveMarginTripletLossOptions& options = {});

}  // namespace minidl::losses
