// Margin-based classification losses (layer 2): hinge and soft-margin losses on raw scores.
// Each is defined in losses/classification/<name>.cpp with its formula block.
//
// Shapes: N batch, C classes. Binary losses take scores x and labels y in {-1, +1} of the same
// shape (any shape, floating point); labels are data, not parameters, so they get no gradient.
// Multiclass losses take scores [N, C] (or [C] for one sample) and int64 class indices.
//
// Kinks: every hinge max(0, z) takes the subgradient 0 at z = 0 (the margin is met exactly, so
// the sample counts as satisfied), as PyTorch's multi_margin_loss and multilabel_margin_loss do.
#pragma once

#include <cstdint>

#include "autograd/variable.h"
#include "losses/reduction.h"

namespace minidl::losses {

struct BinaryHingeLossOptions {
  double margin = 1.0;
  Reduction reduction = Reduction::Mean;
};
// max(0, margin - y x) with y in {-1, +1}: the linear SVM loss (Keras `hinge`, which maps
// {0, 1} labels to +-1 first; here the labels must already be +-1). PyTorch has no such function.
Variable binary_hinge_loss(const Variable& input, const Variable& target,
                           const BinaryHingeLossOptions& options = {});

struct SquaredHingeLossOptions {
  double margin = 1.0;
  Reduction reduction = Reduction::Mean;
};
// max(0, margin - y x)^2 with y in {-1, +1} (Keras `squared_hinge`, L2-SVM).
Variable squared_hinge_loss(const Variable& input, const Variable& target,
                            const SquaredHingeLossOptions& options = {});

struct MultiMarginLossOptions {
  std::int64_t p = 1;  // 1 or 2
  double margin = 1.0;
  Variable weight = {};  // [C] class weights, undefined = none
  Reduction reduction = Reduction::Mean;
};
// Per sample: sum_{i != y} w_y max(0, margin - x_y + x_i)^p / C, input [N, C] and target [N]
// (or [C] and one index); torch.nn.functional.multi_margin_loss. 'none' gives [N].
Variable multi_margin_loss(const Variable& input, const Variable& target,
                           const MultiMarginLossOptions& options = {});

struct MultilabelMarginLossOptions {
  Reduction reduction = Reduction::Mean;
};
// Per sample: sum_{j in T} sum_{i not in T} max(0, 1 - (x_{y_j} - x_i)) / C, where T is the
// prefix of the int64 target row before its first -1; input and target [N, C] (or [C]).
// torch.nn.functional.multilabel_margin_loss. 'none' gives [N].
Variable multilabel_margin_loss(const Variable& input, const Variable& target,
                                const MultilabelMarginLossOptions& options = {});

struct MultilabelSoftMarginLossOptions {
  Variable weight = {};  // [C] class weights, undefined = none
  Reduction reduction = Reduction::Mean;
};
// Per sample: -(1/C) sum_i w_i [y_i log sigmoid(x_i) + (1 - y_i) log sigmoid(-x_i)], input and
// target [..., C] with target in [0, 1]; torch.nn.functional.multilabel_soft_margin_loss.
// 'none' gives [...] (one value per sample).
Variable multilabel_soft_margin_loss(const Variable& input, const Variable& target,
                                     const MultilabelSoftMarginLossOptions& options = {});

struct SoftMarginLossOptions {
  Reduction reduction = Reduction::Mean;
};
// log(1 + exp(-y x)) with y in {-1, +1}, computed stably; torch.nn.functional.soft_margin_loss.
Variable soft_margin_loss(const Variable& input, const Variable& target,
                          const SoftMarginLossOptions& options = {});

}  // namespace minidl::losses
