// What the angular-margin heads (cosface, arcface, sphereface, adacos; losses/metric_angular.h)
// share: the input checks, the cosine matrix between embeddings and class weight rows, the
// target mask, and softmax cross-entropy over per-class logits.
//
// Shapes: N samples, D embedding features, C classes. embeddings [N, D] floating, labels int64
// [N] in [0, C), weight [C, D] (the learnable class weight matrix, one row per class).
#pragma once

#include <string_view>

#include "autograd/variable.h"
#include "losses/reduction.h"

namespace minidl::losses::angular {

// Throws "<op>: ..." for a non-floating or non-2-D embeddings/weight, an empty batch, a feature
// dimension that differs between embeddings and weight, labels not int64 [N], labels outside
// [0, C), a reduction other than none/mean/sum.
void check_inputs(std::string_view op, const Variable& embeddings, const Variable& labels,
                  const Variable& weight, Reduction reduction);

// cos theta_ij = <x_i / |x_i|, w_j / |w_j|>, [N, C] (rows normalised as F.normalize, eps 1e-12).
Variable cosine_logits(const Variable& embeddings, const Variable& weight);

// Float tensor [N, C] of x's dtype: 1 at (i, labels_i), 0 elsewhere.
Tensor target_mask(const Tensor& labels, std::int64_t num_classes, DType dtype);

// Per-sample cross-entropy of logits [N, C] with labels [N], then reduced:
//   l_i = logsumexp_j z_ij - z_{i, y_i}    (the stable form: logsumexp subtracts the row max)
Variable softmax_cross_entropy(const Variable& logits, const Variable& labels, Reduction reduction,
                               std::string_view op);

}  // namespace minidl::losses::angular
