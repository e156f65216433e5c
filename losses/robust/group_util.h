// Internal to losses/robust (not installed): the checks and per-group means shared by
// group_reweighted_loss and group_dro_loss.
#pragma once

#include <cstdint>
#include <string_view>

#include "autograd/variable.h"

namespace minidl::losses {

// Checks logits [N, C], target int64 [N] in [0, C), group int64 [N] in [0, num_groups).
void check_group_inputs(std::string_view op, const Variable& input, const Variable& target,
                        const Variable& group, std::int64_t num_groups);

// The mean of per_sample [N] over each group's samples in the batch, [G]; 0 for a group without
// one (Sagawa et al.'s code divides by max(count, 1)). Differentiable in per_sample.
Variable group_means(const Variable& per_sample, const Tensor& group, std::int64_t num_groups);

}  // namespace minidl::losses
