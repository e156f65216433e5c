#include "losses/robust/group_util.h"

#include <limits>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/reduction.h"
#include "tensor/ops.h"

namespace minidl::losses {

void check_group_inputs(std::string_view op, const Variable& input, const Variable& target,
                        const Variable& group, std::int64_t num_groups) {
  check_floating(op, "input", input);
  check_int64(op, "target", target);
  check_int64(op, "group", group);
  MINIDL_CHECK(input.dim() == 2, op, ": input must be [N, C] logits, got ",
               shape_str(input.shape()));
  check_not_empty(op, "input", input);
  const std::int64_t n = input.size(0);
  MINIDL_CHECK(target.dim() == 1 && target.size(0) == n, op, ": target ", shape_str(target.shape()),
               " must be [", n, "] for input ", shape_str(input.shape()));
  MINIDL_CHECK(group.dim() == 1 && group.size(0) == n, op, ": group ", shape_str(group.shape()),
               " must be [", n, "] for input ", shape_str(input.shape()));
  check_labels(op, target.value(), input.size(1), std::numeric_limits<std::int64_t>::min());
  const std::int64_t* a = group.value().data<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i)
    MINIDL_CHECK(a[i] >= 0 && a[i] < num_groups, op, ": group ", a[i], " at index ", i,
                 " is outside [0, ", num_groups, ")");
}

Variable group_means(const Variable& per_sample, const Tensor& group, std::int64_t num_groups) {
  const Tensor member = one_hot(group, num_groups).to(per_sample.dtype());  // [N, G]
  const Tensor counts = sum(member, {0});
  const Tensor inv = reciprocal(maximum(counts, ones_like(counts)));
  const Variable sums = squeeze(matmul(Variable(member), unsqueeze(per_sample, 1), true, false), 1);
  return sums * Variable(inv);
}

}  // namespace minidl::losses
