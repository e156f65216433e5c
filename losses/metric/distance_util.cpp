// Distances and similarities between embeddings (see distance_util.h for the conventions).
//
//   squared Euclidean  |a - b|^2                      d/da = 2 (a - b)
//   Euclidean          |a - b| = safe_sqrt(|a - b|^2) d/da = (a - b) / |a - b|, 0 when a == b
//   dot                a.b                            d/da = b
//   cosine             a.b / (|a| |b|)                d/da = (b^ - cos a^) / |a|,  ^ = unit vector
//   matrices           d2 = clamp(|a|^2 + |b|^2 - 2 a b^T, 0): one GEMM instead of N x M x D
//                      differences; the gradient of the GEMM is two more GEMMs.
//
// Why safe_sqrt and not sqrt(max(d2, eps)): the clamp form moves every distance below sqrt(eps)
// to sqrt(eps), so two identical points sit at a small positive distance and a hinge at margin m
// sees m - sqrt(eps); the masked form keeps the exact value 0 and only defines the gradient there.
#include "losses/metric/distance_util.h"

#include <cmath>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "tensor/ops.h"

namespace minidl::losses {
namespace {

void check_paired(const char* op, const Variable& a, const Variable& b) {
  MINIDL_CHECK(a.defined() && b.defined(), op, ": an input is undefined");
  MINIDL_CHECK(a.dim() >= 1, op, ": inputs need at least one axis, got a 0-d tensor");
  MINIDL_CHECK(a.shape() == b.shape(), op, ": shapes differ, ", shape_str(a.shape()), " vs ",
               shape_str(b.shape()));
}

void check_matrix(const char* op, const Variable& a, const Variable& b) {
  MINIDL_CHECK(a.defined() && b.defined(), op, ": an input is undefined");
  MINIDL_CHECK(a.dim() == 2 && b.dim() == 2, op, ": inputs must be [N, D] and [M, D], got ",
               shape_str(a.shape()), " and ", shape_str(b.shape()));
  MINIDL_CHECK(a.size(1) == b.size(1), op, ": embedding sizes differ, ", shape_str(a.shape()),
               " vs ", shape_str(b.shape()));
}

// max(|x|, eps) over the last axis (keepdim) with PyTorch's cosine_similarity gradient: PyTorch
// computes the norm, then clamps the result in place under no_grad, so the norm's backward
// x / norm divides by the clamped value. Where |x| >= eps that is the ordinary x / |x|; where
// |x| < eps it is x / eps, reproduced by the linear stand-in s / (2 eps) + (eps - s0 / (2 eps)),
// s = |x|^2: value eps, derivative 2x / (2 eps).
Variable torch_clamped_norm(const Variable& x, double eps) {
  Variable n = norm(x, 2.0, {-1}, true);
  const Tensor small = lt(n.value(), eps);
  if (sum(small).item() == 0) return n;
  Variable s = sum(square(x), {-1}, true);
  const Tensor offset = sub(full_like(s.value(), eps), mul(s.value(), 0.5 / eps));
  Variable stand_in = add(mul(s, 0.5 / eps), Variable(offset));
  return where(small, stand_in, n);
}

}  // namespace

Distance parse_distance(std::string_view text, std::string_view op) {
  if (text == "euclidean") return Distance::kEuclidean;
  if (text == "squared_euclidean") return Distance::kSquaredEuclidean;
  if (text == "cosine") return Distance::kCosine;
  if (text == "dot") return Distance::kDot;
  MINIDL_FAIL(op, ": distance must be 'euclidean', 'squared_euclidean', 'cosine' or 'dot', got '",
              text, "'");
}

const char* to_string(Distance d) {
  switch (d) {
    case Distance::kEuclidean:
      return "euclidean";
    case Distance::kSquaredEuclidean:
      return "squared_euclidean";
    case Distance::kCosine:
      return "cosine";
    case Distance::kDot:
      return "dot";
  }
  return "?";
}

bool is_similarity(Distance d) { return d == Distance::kCosine || d == Distance::kDot; }

Variable safe_sqrt(const Variable& x) {
  const Tensor positive = gt(x.value(), 0.0);
  return where(positive, sqrt(where(positive, x, scalar_like(x, 1.0))), scalar_like(x, 0.0));
}

Variable l2_normalize(const Variable& x, double eps) {
  MINIDL_CHECK(x.defined() && x.dim() >= 1, "l2_normalize: need at least one axis");
  return div(x, clamp(norm(x, 2.0, {-1}, true), eps, std::nullopt));
}

// ---- paired

Variable squared_euclidean(const Variable& a, const Variable& b) {
  check_paired("squared_euclidean", a, b);
  return sum(square(sub(a, b)), {-1});
}

Variable euclidean(const Variable& a, const Variable& b) {
  check_paired("euclidean", a, b);
  return safe_sqrt(sum(square(sub(a, b)), {-1}));
}

Variable dot(const Variable& a, const Variable& b) {
  check_paired("dot", a, b);
  return sum(mul(a, b), {-1});
}

Variable cosine_similarity(const Variable& a, const Variable& b, double eps) {
  check_paired("cosine_similarity", a, b);
  return sum(mul(div(a, torch_clamped_norm(a, eps)), div(b, torch_clamped_norm(b, eps))), {-1});
}

Variable pairwise_distance(const Variable& a, const Variable& b, double p, double eps) {
  check_paired("pairwise_distance", a, b);
  MINIDL_CHECK(p > 0, "pairwise_distance: p must be > 0, got ", p);
  Variable d = add(sub(a, b), eps);
  if (p == 1.0 || p == 2.0 || std::isinf(p)) return norm(d, p, {-1});
  // (sum |d|^p)^(1/p); the outer power's slope is infinite at 0, so a zero row gets gradient 0
  // (PyTorch's norm backward masks the same rows).
  Variable s = sum(pow(abs(d), p), {-1});
  const Tensor zero = eq(s.value(), 0.0);
  return where(zero, scalar_like(s, 0.0), pow(where(zero, scalar_like(s, 1.0), s), 1.0 / p));
}

Variable paired_distance(Distance d, const Variable& a, const Variable& b) {
  switch (d) {
    case Distance::kEuclidean:
      return euclidean(a, b);
    case Distance::kSquaredEuclidean:
      return squared_euclidean(a, b);
    case Distance::kCosine:
      return cosine_similarity(a, b);
    case Distance::kDot:
      return dot(a, b);
  }
  MINIDL_FAIL("paired_distance: unknown distance");
}

// ---- matrices

Variable squared_euclidean_matrix(const Variable& a, const Variable& b) {
  check_matrix("squared_euclidean_matrix", a, b);
  Variable aa = sum(square(a), {1}, true);                     // [N, 1]
  Variable bb = reshape(sum(square(b), {1}), {1, b.size(0)});  // [1, M]
  Variable ab = matmul(a, b, false, true);                     // [N, M]
  return clamp(sub(add(aa, bb), mul(ab, 2.0)), 0.0, std::nullopt);
}

Variable euclidean_matrix(const Variable& a, const Variable& b) {
  return safe_sqrt(squared_euclidean_matrix(a, b));
}

Variable dot_matrix(const Variable& a, const Variable& b) {
  check_matrix("dot_matrix", a, b);
  return matmul(a, b, false, true);
}

Variable cosine_similarity_matrix(const Variable& a, const Variable& b) {
  check_matrix("cosine_similarity_matrix", a, b);
  return matmul(l2_normalize(a), l2_normalize(b), false, true);
}

Variable distance_matrix(Distance d, const Variable& a, const Variable& b) {
  switch (d) {
    case Distance::kEuclidean:
      return euclidean_matrix(a, b);
    case Distance::kSquaredEuclidean:
      return squared_euclidean_matrix(a, b);
    case Distance::kCosine:
      return cosine_similarity_matrix(a, b);
    case Distance::kDot:
      return dot_matrix(a, b);
  }
  MINIDL_FAIL("distance_matrix: unknown distance");
}

Variable distance_matrix(Distance d, const Variable& x) {
  if (d == Distance::kCosine || d == Distance::kDot) return distance_matrix(d, x, x);
  // The diagonal is a point against itself: exactly 0, whatever the GEMM's rounding left there.
  Variable d2 = masked_fill(squared_euclidean_matrix(x, x), eye(x.size(0), -1, x.dtype()), 0.0);
  return d == Distance::kEuclidean ? safe_sqrt(d2) : d2;
}

}  // namespace minidl::losses
