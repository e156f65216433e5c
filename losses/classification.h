// Classification losses (layer 2): the probabilistic ones, each in losses/classification/<name>.cpp
// with its formula block. The margin-based ones are in losses/classification_margin.h.
//
// Shapes (N batch, C classes, d1..dK extra axes such as pixels):
//   cross_entropy, nll_loss   input [N, C] or [N, C, d1, ..., dK] (or [C] with a 0-d target);
//                             class-index target int64 [N] / [N, d1, ..., dK], values in [0, C)
//                             or ignore_index; cross_entropy also takes probability targets of
//                             input's shape. weight: per class [C].
//   binary_cross_entropy(_with_logits)  input and target of one shape (any); weight broadcasts to
//                             input; pos_weight broadcasts over the last (class) axis.
//
// Options use PyTorch's keyword names and defaults, so call sites read like PyTorch:
//   losses::cross_entropy(logits, labels, {.weight = w, .label_smoothing = 0.1});
// Optional tensors (weight, pos_weight) are undefined Variables when absent.
//
// Weighted mean (PyTorch's convention, the source of many questions): with class weights w and
// ignored items, 'mean' is sum_i w_{y_i} l_i / sum_i w_{y_i} over the items not ignored, not
// a division by N. A batch whose total weight is 0 (every item ignored) has mean loss 0 with a
// zero gradient in minidl; PyTorch returns NaN (0/0), which poisons the weights it touches.
#pragma once

#include <cstdint>

#include "autograd/variable.h"
#include "losses/reduction.h"

namespace minidl::losses {

struct CrossEntropyOptions {
  Variable weight{};                 // [C] rescaling of each class; undefined = all 1
  std::int64_t ignore_index = -100;  // class-index targets with this value count for nothing
  Reduction reduction = Reduction::Mean;
  double label_smoothing = 0.0;  // in [0, 1]: the target mixes with the uniform distribution
};
// -w_y log softmax(x)_y (class indices) or -sum_c w_c p_c log softmax(x)_c (probabilities),
// with label smoothing; torch.nn.functional.cross_entropy. Takes logits.
Variable cross_entropy(const Variable& input, const Variable& target,
                       const CrossEntropyOptions& options = {});

struct NllLossOptions {
  Variable weight{};                 // [C]; undefined = all 1
  std::int64_t ignore_index = -100;  // targets with this value count for nothing
  Reduction reduction = Reduction::Mean;
};
// -w_y x_y for log-probabilities x (e.g. a model ending in log_softmax);
// torch.nn.functional.nll_loss.
Variable nll_loss(const Variable& input, const Variable& target,
                  const NllLossOptions& options = {});

struct BinaryCrossEntropyOptions {
  Variable weight{};  // broadcast to input's shape; undefined = all 1
  Reduction reduction = Reduction::Mean;
};
// -w [y log x + (1 - y) log(1 - x)] for probabilities x in [0, 1], logs clamped at -100;
// torch.nn.functional.binary_cross_entropy.
Variable binary_cross_entropy(const Variable& input, const Variable& target,
                              const BinaryCrossEntropyOptions& options = {});

struct BinaryCrossEntropyWithLogitsOptions {
  Variable weight{};      // broadcast to input's shape; undefined = all 1
  Variable pos_weight{};  // [C] (broadcast over the last axis): weight of the positive term
  Reduction reduction = Reduction::Mean;
};
// -w [p y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))] for logits x, in a stable form;
// torch.nn.functional.binary_cross_entropy_with_logits.
Variable binary_cross_entropy_with_logits(const Variable& input, const Variable& target,
                                          const BinaryCrossEntropyWithLogitsOptions& options = {});

}  // namespace minidl::losses
