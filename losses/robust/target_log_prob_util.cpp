#include "losses/robust/target_log_prob_util.h"

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace minidl::losses::robust {

TargetLogProb target_log_prob(std::string_view op, const Variable& input, const Variable& target,
                              std::int64_t ignore_index) {
  check_floating(op, "input", input);
  check_int64(op, "target", target);
  MINIDL_CHECK(input.dim() == 2, op, ": input must be logits [N, C], got ",
               shape_str(input.shape()));
  check_not_empty(op, "input", input);
  MINIDL_CHECK(target.dim() == 1 && target.size(0) == input.size(0), op, ": target ",
               shape_str(target.shape()), " must be [N] = [", input.size(0), "] for input ",
               shape_str(input.shape()));
  check_labels(op, target.value(), input.size(1), ignore_index);

  const std::int64_t n = input.size(0);
  Tensor ignored = eq(target.value(), static_cast<double>(ignore_index));
  // Ignored samples pick class 0 (any valid index): their loss is zeroed by reduce_counted.
  const Tensor index = masked_fill(target.value(), ignored, 0.0).reshape({n, 1});
  std::int64_t counted = n;
  const std::int64_t* flag = ignored.data<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) counted -= flag[i] != 0;
  const Variable log_p = reshape(take_along_axis(log_softmax(input, 1), index, 1), {n});
  return {log_p, std::move(ignored), counted};
}

Variable reduce_counted(std::string_view op, const Variable& per_sample, const TargetLogProb& t,
                        Reduction reduction) {
  const Variable loss =
      t.counted == per_sample.numel() ? per_sample : masked_fill(per_sample, t.ignored, 0.0);
  switch (reduction) {
    case Reduction::None:
      return loss;
    case Reduction::Sum:
      return sum(loss);
    case Reduction::Mean:
      MINIDL_CHECK(t.counted > 0, op, ": every target equals ignore_index, nothing to average");
      return mul_scalar(sum(loss), 1.0 / static_cast<double>(t.counted));
    case Reduction::BatchMean:
      break;
  }
  MINIDL_FAIL(op, ": reduction must be 'none', 'mean' or 'sum', got '", to_string(reduction), "'");
}

}  // namespace minidl::losses::robust
