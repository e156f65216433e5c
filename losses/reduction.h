// Reduction and the input checks every loss shares (layer 2, losses/).
//
// Reduction follows PyTorch's `reduction=` keyword:
//   None       the unreduced loss (per element or per sample, as the loss documents)
//   Mean       sum / number of elements (a loss with class weights documents its weighted mean)
//   Sum        sum
//   BatchMean  sum / N with N = size of axis 0 (kl_div only: the true KL per sample)
//
// An empty batch is an error in every loss (PyTorch returns NaN for a mean over nothing, which
// then silently poisons training); the check_* helpers below throw minidl::Error naming the op.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "autograd/variable.h"

namespace minidl::losses {

enum class Reduction { None, Mean, Sum, BatchMean };

// "none", "mean", "sum", "batchmean" (PyTorch's spellings).
Reduction parse_reduction(std::string_view text, std::string_view op);
const char* to_string(Reduction r);

// The reduced loss: None returns `loss` unchanged, Mean divides the sum by loss.numel(), Sum
// sums, BatchMean divides the sum by loss.size(0). BatchMean is refused unless allow_batchmean.
Variable reduce(const Variable& loss, Reduction r, std::string_view op,
                bool allow_batchmean = false);

// Shared input checks; each throws minidl::Error "<op>: ..." with the offending values.
void check_not_empty(std::string_view op, std::string_view name, const Variable& x);
void check_floating(std::string_view op, std::string_view name, const Variable& x);
void check_int64(std::string_view op, std::string_view name, const Variable& x);
void check_same_shape(std::string_view op, std::string_view a_name, const Variable& a,
                      std::string_view b_name, const Variable& b);
// Every label in [0, num_classes) except those equal to ignore_index (pass a value outside the
// range, e.g. PyTorch's -100, to ignore nothing).
void check_labels(std::string_view op, const Tensor& labels, std::int64_t num_classes,
                  std::int64_t ignore_index);
// Every value is -1 or +1 (hinge and margin losses).
void check_sign_labels(std::string_view op, std::string_view name, const Variable& y);

}  // namespace minidl::losses
