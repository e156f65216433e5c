// What the robust losses share (losses/robust/): the checks on (logits [N, C], int64 target [N]),
// the log-probability of each sample's target class, and the reduction over the samples that are
// not ignored. Internal to losses/robust/.
#pragma once

#include <cstdint>
#include <string_view>

#include "autograd/variable.h"
#include "losses/reduction.h"

namespace minidl::losses::robust {

struct TargetLogProb {
  Variable log_p;  // [N] log softmax(input)_n[y_n]; class 0's at ignored samples (masked later)
  Tensor ignored;  // [N] 1 where target == ignore_index, else 0
  std::int64_t counted = 0;  // samples not ignored
};

// Checks input (floating, [N, C], N and C > 0) and target (int64 [N], labels in range or
// ignore_index), throwing minidl::Error "<op>: ..." and returns log_softmax picked at the target.
TargetLogProb target_log_prob(std::string_view op, const Variable& input, const Variable& target,
                              std::int64_t ignore_index);

// The per-sample loss [N] with ignored samples set to 0, reduced: None returns it, Sum sums, Mean
// divides the sum by the number of counted samples (an error when every sample is ignored).
Variable reduce_counted(std::string_view op, const Variable& per_sample, const TargetLogProb& t,
                        Reduction reduction);

}  // namespace minidl::losses::robust
