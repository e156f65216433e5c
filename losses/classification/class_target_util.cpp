#include "losses/classification/class_target_util.h"

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "tensor/error.h"

namespace minidl::losses::detail {

Variable class_rows(std::string_view op, const Variable& input) {
  MINIDL_CHECK(input.dim() >= 1, op, ": input must be [C], [N, C] or [N, C, d1, ...], got ",
               shape_str(input.shape()));
  if (input.dim() == 1) return reshape(input, {1, input.size(0)});
  if (input.dim() == 2) return input;
  // [N, C, d1..dK] -> [N, d1..dK, C] -> [M, C]
  Axes order{0};
  for (std::int64_t a = 2; a < input.dim(); ++a) order.push_back(a);
  order.push_back(1);
  const std::int64_t classes = input.size(1);
  return reshape(permute(input, order), {input.numel() / classes, classes});
}

Variable class_weight(std::string_view op, const Variable& weight, std::int64_t classes,
                      DType dtype) {
  if (!weight.defined()) return weight;
  check_floating(op, "weight", weight);
  MINIDL_CHECK(weight.dim() == 1 && weight.size(0) == classes, op,
               ": weight must hold one value per class, [", classes, "], got ",
               shape_str(weight.shape()));
  return weight.dtype() == dtype ? weight : to(weight, dtype);
}

ClassTargets class_targets(std::string_view op, const Variable& input, const Variable& target,
                           const Variable& weight, std::int64_t ignore_index) {
  check_int64(op, "target", target);
  Shape expected = input.shape();
  if (input.dim() >= 2) {
    expected.erase(expected.begin() + 1);  // [N, C, d...] -> [N, d...]
  } else {
    expected.clear();  // [C] -> a 0-d target
  }
  MINIDL_CHECK(target.shape() == expected, op, ": target ", shape_str(target.shape()),
               " does not fit input ", shape_str(input.shape()), ", expected class indices ",
               shape_str(expected));
  const std::int64_t classes = input.dim() >= 2 ? input.size(1) : input.size(0);
  check_labels(op, target.value(), classes, ignore_index);

  const std::int64_t m = target.numel();
  const Tensor labels = target.value().reshape({m});
  Tensor index = empty({m, 1}, kInt64);
  Tensor kept = empty({m}, kFloat64);
  std::int64_t ignored_count = 0;
  for (std::int64_t i = 0; i < m; ++i) {
    const std::int64_t y = labels.data<std::int64_t>()[i];
    const bool ignored = y == ignore_index;
    ignored_count += ignored ? 1 : 0;
    index.data<std::int64_t>()[i] = ignored ? 0 : y;
    kept.data<double>()[i] = ignored ? 0.0 : 1.0;
  }
  kept = kept.to(input.dtype());
  Variable item_weight(kept);
  if (weight.defined()) item_weight = index_select(weight, 0, index.reshape({m})) * item_weight;
  return {index, kept, item_weight, !weight.defined() && ignored_count == 0, target.shape()};
}

Variable weighted_items(const ClassTargets& t, const Variable& value) {
  if (t.plain) return value;  // the common training case: skip the mask and the product
  return t.item_weight * where(t.kept, value, scalar_like(value, 0.0));
}

Variable reduce_weighted(std::string_view op, const Variable& loss, const Variable& item_weight,
                         Reduction reduction, const Shape& shape) {
  if (reduction == Reduction::None) return reshape(loss, shape);
  if (reduction != Reduction::Mean) return reduce(loss, reduction, op);
  const Variable total_weight = sum(item_weight);
  // PyTorch divides 0 by 0 here (NaN); 0 keeps training going and says "nothing to learn".
  if (total_weight.item() == 0.0) return mul_scalar(sum(loss), 0.0);
  return sum(loss) / total_weight;
}

void check_broadcasts_to(std::string_view op, std::string_view name, const Variable& w,
                         const Shape& shape) {
  bool ok = w.dim() <= static_cast<std::int64_t>(shape.size());
  for (std::int64_t i = 1; ok && i <= w.dim(); ++i) {
    const std::int64_t a = w.shape()[w.dim() - i], b = shape[shape.size() - i];
    ok = a == b || a == 1;
  }
  MINIDL_CHECK(ok, op, ": ", name, " ", shape_str(w.shape()), " does not broadcast to input ",
               shape_str(shape));
}

}  // namespace minidl::losses::detail
