// What the class-index losses (nll_loss, cross_entropy) and the binary cross entropies share:
// the class axis moved last, validated targets with their per-item weights, PyTorch's weighted
// mean, and the broadcast check of BCE's weights. Internal to losses/classification/.
//
// Shapes: input [N, C, d1, ..., dK] is seen as rows [M, C] with M = N d1 ... dK (the class axis
// moved last, so row m is item m of the flattened target); input [C] is one row, M = 1.
#pragma once

#include <cstdint>
#include <string_view>

#include "autograd/variable.h"
#include "losses/reduction.h"

namespace minidl::losses::detail {

// input as rows [M, C], class axis last. Throws "<op>: input must be [C], [N, C] or
// [N, C, d1, ...], got []" for a 0-d input.
Variable class_rows(std::string_view op, const Variable& input);

// The class weight checked (floating, shape [C]) and converted to dtype; undefined stays
// undefined.
Variable class_weight(std::string_view op, const Variable& weight, std::int64_t classes,
                      DType dtype);

struct ClassTargets {
  Tensor index;          // [M, 1] int64; an ignored item points at class 0 (its weight is 0)
  Tensor kept;           // [M] 1 for counted items, 0 for ignored ones (input's dtype)
  Variable item_weight;  // [M] w_{y_m} (1 without class weights), 0 for ignored items
  bool plain = false;    // no class weights and nothing ignored: every item weighs 1
  Shape shape;           // the target's shape: the shape of reduction 'none'
};

// Checks target against input (int64, shape input's without the class axis, labels in [0, C)
// or ignore_index) and builds the index and the per-item weights (differentiable in `weight`,
// an already checked class weight or undefined).
ClassTargets class_targets(std::string_view op, const Variable& input, const Variable& target,
                           const Variable& weight, std::int64_t ignore_index);

// sum_m item_weight_m * value_m over the kept items, as per-item losses [M]: an ignored item
// gives exactly 0 and no gradient even where its value is -inf (a masked logit).
Variable weighted_items(const ClassTargets& t, const Variable& value);

// Reduces per-item losses [M] that already carry their weights: 'none' reshapes to `shape`,
// 'sum' sums, 'mean' divides the sum by the total weight sum_m item_weight_m (PyTorch's
// weighted mean), and is 0 with a zero gradient when that total is 0 (every item ignored).
Variable reduce_weighted(std::string_view op, const Variable& loss, const Variable& item_weight,
                         Reduction reduction, const Shape& shape);

// Checks that `w` broadcasts to `shape` without growing it; throws
// "<op>: <name> [a] does not broadcast to input [b]".
void check_broadcasts_to(std::string_view op, std::string_view name, const Variable& w,
                         const Shape& shape);

}  // namespace minidl::losses::detail
