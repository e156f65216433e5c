// multilabel_margin_loss: the multi-label hinge loss (torch.nn.functional.multilabel_margin_loss).
//
// A sample has scores x [C] and a target row of C int64 entries: the class indices of its labels,
// then -1, then anything (ignored). T = the entries before the first -1 (a list: a repeated
// index counts twice, as in PyTorch) and S = the set of those classes. Every label must outscore
// every non-label by a margin of 1:
//   l = (1/C) sum_{j in T} sum_{i not in S} max(0, 1 - (x_j - x_i))
//   none: l per sample [N]   mean: (1/N) sum_n l_n   sum: sum_n l_n
// With a_ji = [1 - x_j + x_i > 0]:
//   d l / d x_i = sum_{j in T} a_ji / C  (i not in S),   d l / d x_j = -sum_{i not in S} a_ji / C
// A sample with no labels (the row starts with -1), or whose labels are every class, costs 0.
//
// The kink: at 1 - x_j + x_i = 0 exactly the subgradient taken is 0, as PyTorch's kernel (z > 0).
//
// Convention: PyTorch's exactly, including the division by C (not by |T| (C - |S|)) and the range
// check: every entry, also those after the first -1, must lie in [-1, C). The margin is fixed at 1
// (scale the scores to change it). Computed as one [N, J, C] hinge tensor, J the longest label
// list: cheap for the tens of classes multi-label problems have.
//
// Shapes: input [N, C] with target int64 [N, C], or input [C] with target [C] ('none' gives []).
#include <algorithm>
#include <vector>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/classification_margin.h"
#include "tensor/error.h"

namespace minidl::losses {

Variable multilabel_margin_loss(const Variable& input, const Variable& target,
                                const MultilabelMarginLossOptions& options) {
  constexpr const char* kOp = "multilabel_margin_loss";
  check_floating(kOp, "input", input);
  check_int64(kOp, "target", target);
  MINIDL_CHECK(input.dim() == 1 || input.dim() == 2, kOp,
               ": input must be [N, C] or [C], got shape ", shape_str(input.shape()));
  check_same_shape(kOp, "input", input, "target", target);
  check_not_empty(kOp, "input", input);
  const bool single = input.dim() == 1;
  const std::int64_t n = single ? 1 : input.size(0), c = input.size(-1);

  // The label lists: each row's prefix before its first -1.
  const std::int64_t* t = target.value().data<std::int64_t>();
  std::vector<std::int64_t> length(static_cast<std::size_t>(n), c);
  for (std::int64_t r = 0; r < n; ++r) {
    for (std::int64_t k = 0; k < c; ++k) {
      const std::int64_t v = t[r * c + k];
      MINIDL_CHECK(v >= -1 && v < c, kOp, ": target ", v, " at position ", r * c + k,
                   " is out of range [-1, ", c, ") (class indices, then -1 padding)");
      if (v == -1 && length[r] == c) length[r] = k;
    }
  }
  const std::int64_t j_max =
      std::max<std::int64_t>(1, *std::max_element(length.begin(), length.end()));

  // labels [N, J]: the label lists padded with class 0; keep [N, J, C]: 1 where label j of sample
  // r is real and class i is not one of the sample's labels.
  Tensor labels = zeros({n, j_max}, kInt64), keep = zeros({n, j_max, c}, kInt64);
  std::int64_t* lp = labels.data<std::int64_t>();
  std::int64_t* kp = keep.data<std::int64_t>();
  std::vector<char> is_label(static_cast<std::size_t>(c));
  for (std::int64_t r = 0; r < n; ++r) {
    std::fill(is_label.begin(), is_label.end(), 0);
    for (std::int64_t k = 0; k < length[r]; ++k) {
      lp[r * j_max + k] = t[r * c + k];
      is_label[t[r * c + k]] = 1;
    }
    for (std::int64_t k = 0; k < length[r]; ++k)
      for (std::int64_t i = 0; i < c; ++i) kp[(r * j_max + k) * c + i] = is_label[i] ? 0 : 1;
  }

  const Variable x = single ? reshape(input, {1, c}) : input;
  // z[r, j, i] = 1 - x[r, label_j] + x[r, i], in PyTorch's order of operations.
  const Variable z = reshape(1.0 - gather(x, 1, labels), {n, j_max, 1}) + reshape(x, {n, 1, c});
  const Variable h = where(keep, relu(z), scalar_like(z, 0.0));
  Variable per_sample = sum(h, {1, 2}) / static_cast<double>(c);
  if (single) per_sample = reshape(per_sample, {});
  return reduce(per_sample, options.reduction, kOp);
}

}  // namespace minidl::losses
