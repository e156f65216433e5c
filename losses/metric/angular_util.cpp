// Shared pieces of the angular-margin heads; see angular_util.h.
#include "losses/metric/angular_util.h"

#include <limits>

#include "autograd/functional.h"
#include "losses/metric/distance_util.h"
#include "tensor/ops.h"

namespace minidl::losses::angular {

void check_inputs(std::string_view op, const Variable& embeddings, const Variable& labels,
                  const Variable& weight, Reduction reduction) {
  check_floating(op, "embeddings", embeddings);
  check_floating(op, "weight", weight);
  check_int64(op, "labels", labels);
  MINIDL_CHECK(embeddings.dim() == 2, op, ": embeddings must be [N, D], got ",
               shape_str(embeddings.shape()));
  MINIDL_CHECK(weight.dim() == 2, op, ": weight must be [C, D], got ", shape_str(weight.shape()));
  check_not_empty(op, "embeddings", embeddings);
  check_not_empty(op, "weight", weight);
  MINIDL_CHECK(weight.size(1) == embeddings.size(1), op,
               ": weight and embeddings differ in D, weight ", shape_str(weight.shape()),
               " vs embeddings ", shape_str(embeddings.shape()));
  MINIDL_CHECK(labels.dim() == 1 && labels.size(0) == embeddings.size(0), op, ": labels must be [",
               embeddings.size(0), "], got ", shape_str(labels.shape()));
  // No ignore_index: the lowest int64 never occurs as a label, so every label is checked.
  check_labels(op, labels.value(), weight.size(0), std::numeric_limits<std::int64_t>::min());
  MINIDL_CHECK(reduction != Reduction::BatchMean, op,
               ": reduction must be 'none', 'mean' or 'sum'");
}

Variable cosine_logits(const Variable& embeddings, const Variable& weight) {
  return matmul(l2_normalize(embeddings), l2_normalize(weight), false, true);
}

Tensor target_mask(const Tensor& labels, std::int64_t num_classes, DType dtype) {
  return one_hot(labels, num_classes).to(dtype);
}

Variable softmax_cross_entropy(const Variable& logits, const Variable& labels, Reduction reduction,
                               std::string_view op) {
  const Tensor index = labels.value().reshape({labels.size(0), 1});
  const Variable target = squeeze(take_along_axis(logits, index, 1), 1);
  return reduce(sub(logsumexp(logits, {1}), target), reduction, op);
}

}  // namespace minidl::losses::angular
