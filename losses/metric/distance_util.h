// Distances and similarities between embeddings, shared by every metric loss and miner
// (layer 2, losses/metric/). Shapes: N, M rows, D embedding features.
//
// Two forms of each measure:
//   paired   row i of a against row i of b:      a, b [N, D] -> [N]   (or [D], [D] -> 0-d)
//   matrix   every row of a against every row of b: a [N, D], b [M, D] -> [N, M]
// Euclidean and squared Euclidean are distances (smaller = closer); cosine similarity and the dot
// product are similarities (larger = closer). A loss that accepts any Distance turns a similarity
// into "closeness" with is_similarity(); see each loss's formula block.
//
// Matrices go through one GEMM (BLAS):
//   d2(i, j) = max(|a_i|^2 + |b_j|^2 - 2 a_i.b_j, 0)
// The expansion cancels for nearby points and can dip below zero by rounding, hence the clamp (its
// gradient passes at exactly 0, as PyTorch's clamp_min). The self matrix distance_matrix(d, x)
// sets the distances' diagonal exactly: 0, never a rounding residue.
//
// The square root of d2 has an infinite slope at 0 (identical points). safe_sqrt takes the
// gradient there as 0 (PyTorch's subgradient for the norm of a zero vector): the value is exact
// (sqrt(0) = 0) and the gradient is never NaN; any d2 > 0 gets the ordinary 1 / (2 sqrt(d2)).
#pragma once

#include <string_view>

#include "autograd/variable.h"

namespace minidl::losses {

enum class Distance { kEuclidean, kSquaredEuclidean, kCosine, kDot };

// "euclidean", "squared_euclidean", "cosine", "dot"; anything else throws naming `op`.
Distance parse_distance(std::string_view text, std::string_view op);
const char* to_string(Distance d);
// Cosine similarity and the dot product: larger values mean closer.
bool is_similarity(Distance d);

// sqrt(x) with the gradient 0 where x == 0 (x >= 0 expected): where(x > 0, sqrt(x), 0), the square
// root only ever seeing positive arguments so no 0 * inf appears in the backward.
Variable safe_sqrt(const Variable& x);

// Rows of x scaled to unit L2 norm, x / max(|x|_2, eps): torch.nn.functional.normalize(x, p=2,
// dim=-1, eps=1e-12). The embedding-normalisation option of every metric loss (as
// pytorch-metric-learning's normalize_embeddings) calls this. A zero row stays zero.
Variable l2_normalize(const Variable& x, double eps = 1e-12);

// ---- paired: row i with row i, over the last axis
Variable squared_euclidean(const Variable& a, const Variable& b);  // sum_k (a - b)^2
Variable euclidean(const Variable& a, const Variable& b);          // safe_sqrt of the above
Variable dot(const Variable& a, const Variable& b);                // sum_k a b
// torch.nn.functional.cosine_similarity(a, b, dim=-1, eps): a.b / (max(|a|, eps) max(|b|, eps)).
// PyTorch clamps the norms in place under no_grad, so its gradient divides by the clamped norm
// where the plain chain rule would give 0; this reproduces that (see distance_util.cpp).
Variable cosine_similarity(const Variable& a, const Variable& b, double eps = 1e-8);
// torch.nn.functional.pairwise_distance(a, b, p, eps): |a - b + eps|_p over the last axis (eps is
// added to every component of the difference). p > 0; p = inf is the max norm.
Variable pairwise_distance(const Variable& a, const Variable& b, double p = 2.0, double eps = 1e-6);
// The measure d between matching rows (cosine as cosine_similarity with its default eps).
Variable paired_distance(Distance d, const Variable& a, const Variable& b);

// ---- matrices: a [N, D] against b [M, D] -> [N, M]
Variable squared_euclidean_matrix(const Variable& a, const Variable& b);  // clamped GEMM form
Variable euclidean_matrix(const Variable& a, const Variable& b);
Variable dot_matrix(const Variable& a, const Variable& b);  // a b^T
// l2_normalize(a) l2_normalize(b)^T (pytorch-metric-learning's CosineSimilarity).
Variable cosine_similarity_matrix(const Variable& a, const Variable& b);
Variable distance_matrix(Distance d, const Variable& a, const Variable& b);
// x against itself, [N, N]. For the two distances the diagonal is set to exactly 0 (a point
// against itself); the similarities keep the GEMM's diagonal (|x_i|^2, or ~1 for cosine).
Variable distance_matrix(Distance d, const Variable& x);

}  // namespace minidl::losses
