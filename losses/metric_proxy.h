// Metric-learning losses with learnable state or hand-built tuples (layer 2): center loss,
// quadruplet loss, the proxy losses and LMNN. Each is defined in losses/metric/<name>.cpp with its
// formula block; shared distances are in losses/metric/distance_util.h.
//
// Shapes: N samples, D embedding features, C classes. Learnable state (centers, proxies [C, D])
// is a Variable the caller owns and passes in, so an optimizer (or center loss's own update rule)
// can train it.
#pragma once

#include <cstdint>

#include "autograd/variable.h"
#include "losses/reduction.h"

namespace minidl::losses {

struct CenterLossOptions {
  Reduction reduction = Reduction::Mean;  // mean over the batch; sum: the paper's L_C
};
// Center loss (Wen et al. 2016): per sample 1/2 |x_i - c_{y_i}|^2. input [N, D], labels int64
// [N] in [0, C), centers [C, D]. Combine with softmax cross-entropy as CE + lambda L_C.
Variable center_loss(const Variable& input, const Variable& labels, const Variable& centers,
                     const CenterLossOptions& options = {});
// The paper's center update (Wen et al. 2016, eq. 4 and Algorithm 1 step 5), in place on
// centers.value() and outside autograd: for every class j,
//   delta_j = sum_i [y_i = j] (c_j - x_i) / (1 + sum_i [y_i = j]),   c_j <- c_j - alpha delta_j
// alpha in [0, 1] (the paper's center learning rate; 0.5 in its face experiments).
void center_loss_update(const Variable& centers, const Variable& input, const Variable& labels,
                        double alpha);

struct QuadrupletLossOptions {
  double alpha1 = 1.0;  // margin of the triplet term, d(a, p) vs d(a, n1)
  double alpha2 = 0.5;  // margin of the second term, d(a, p) vs d(n1, n2); smaller than alpha1
  bool normalize_embeddings = false;
  Reduction reduction = Reduction::Mean;
};
// Quadruplet loss (Chen et al. 2017) on explicit quadruplets, d = squared Euclidean:
//   [d(a, p) - d(a, n1) + alpha1]_+ + [d(a, p) - d(n1, n2) + alpha2]_+
// anchor, positive, negative1, negative2 [N, D]; negative1 is of another class than the anchor,
// negative2 of a third class (neither the anchor's nor negative1's).
Variable quadruplet_loss(const Variable& anchor, const Variable& positive,
                         const Variable& negative1, const Variable& negative2,
                         const QuadrupletLossOptions& options = {});

struct ProxyNcaLossOptions {
  double softmax_scale = 1.0;  // s in softmax(-s d); pytorch-metric-learning's default
  // Rows of embeddings and proxies L2-normalised first: the paper's and pytorch-metric-learning's
  // default (LpDistance normalises), unlike the other metric losses here.
  bool normalize_embeddings = true;
  Reduction reduction = Reduction::Mean;
};
// Proxy-NCA (Movshovitz-Attias et al. 2017) as pytorch-metric-learning's ProxyNCALoss:
//   l_i = -log softmax_c(-s |x_i - p_c|^2)[y_i]
// embeddings [N, D], labels int64 [N] in [0, C), proxies [C, D] (learnable, one per class).
Variable proxy_nca_loss(const Variable& embeddings, const Variable& labels, const Variable& proxies,
                        const ProxyNcaLossOptions& options = {});

struct ProxyAnchorLossOptions {
  double alpha = 32;                      // scale (pytorch-metric-learning: alpha)
  double delta = 0.1;                     // margin (pytorch-metric-learning: margin)
  Reduction reduction = Reduction::Mean;  // mean: the paper's; none: per proxy [C]; see the file
};
// Proxy-Anchor (Kim et al. 2020), s = cosine similarity of embeddings and proxies:
//   1/|P+| sum_{p in P+} log(1 + sum_{x in X_p+} e^{-alpha (s(x, p) - delta)})
//   + 1/|P| sum_{p in P} log(1 + sum_{x in X_p-} e^{alpha (s(x, p) + delta)})
// embeddings [N, D], labels int64 [N] in [0, C), proxies [C, D].
Variable proxy_anchor_loss(const Variable& embeddings, const Variable& labels,
                           const Variable& proxies, const ProxyAnchorLossOptions& options = {});

struct LmnnLossOptions {
  std::int64_t k = 3;  // target neighbours per anchor: the k nearest same-class samples
  double mu = 0.5;     // push weight, pull weight 1 - mu (the paper's mu, metric-learn's
                       // `regularization`)
  Reduction reduction = Reduction::Mean;  // mean over all N anchors; none: per anchor [N]
};
// LMNN (Weinberger and Saul 2009) inside a batch, d = squared Euclidean, T_i = the k nearest
// same-class samples of anchor i:
//   l_i = (1 - mu) sum_{j in T_i} d_ij + mu sum_{j in T_i} sum_{l: y_l != y_i} [1 + d_ij - d_il]_+
// embeddings [N, D], labels int64 [N].
Variable lmnn_loss(const Variable& embeddings, const Variable& labels,
                   const LmnnLossOptions& options = {});

}  // namespace minidl::losses
