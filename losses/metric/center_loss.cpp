// center_loss: Wen, Zhang, Li and Qiao 2016, "A Discriminative Feature Learning Approach for Deep
// Face Recognition" (ECCV), eq. 2 (the loss) and eq. 4 (the center update).
//
//   l_i = 1/2 |x_i - c_{y_i}|_2^2             (x_i: the deep feature, c_j: class j's center)
//   sum:  L_C = sum_i l_i                      (the paper's eq. 2 exactly)
//   mean: L_C / N                              (default)   none: l [N]
//
// Batch normalisation: the paper sums over the mini-batch of m samples. The mean is the common
// implementation choice (KaiyangZhou/pytorch-center-loss divides by the batch size, there without
// the 1/2) and keeps lambda independent of the batch size; reduction = Sum gives the paper's form.
// Joint supervision (eq. 5): L = L_S + lambda L_C with L_S the softmax cross-entropy; lambda is
// the caller's (the example's) weight, not an option here.
//
// Gradient: d l_i / d x_i = x_i - c_{y_i};  d L_C / d c_j = -sum_{i: y_i = j} (x_i - c_j) (times
// 1/N for the mean). Smooth everywhere: no kinks, no square root, no stability concerns.
//
// The paper does not train the centers by this gradient but by its own update (eq. 4):
//   delta c_j = sum_i [y_i = j] (c_j - x_i) / (1 + sum_i [y_i = j]),   c_j <- c_j - alpha delta c_j
// (the 1 in the denominator keeps a class absent from the batch still and damps small counts),
// center_loss_update below, applied in place outside autograd. Passing centers that require grad
// and training them with an optimizer instead is also supported (their gradient is above).
//
// Shapes: input [N, D] floating; labels int64 [N] in [0, C); centers [C, D], input's dtype.
#include <limits>
#include <vector>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/metric_proxy.h"
#include "tensor/ops.h"

namespace minidl::losses {
namespace {

constexpr const char* kOp = "center_loss";

void check_center_inputs(const char* op, const Variable& input, const Variable& labels,
                         const Variable& centers) {
  check_floating(op, "input", input);
  check_int64(op, "labels", labels);
  check_floating(op, "centers", centers);
  MINIDL_CHECK(input.dim() == 2, op, ": input must be [N, D], got ", shape_str(input.shape()));
  check_not_empty(op, "input", input);
  MINIDL_CHECK(labels.dim() == 1 && labels.size(0) == input.size(0), op, ": labels must be [",
               input.size(0), "], got ", shape_str(labels.shape()));
  MINIDL_CHECK(centers.dim() == 2 && centers.size(1) == input.size(1), op, ": centers must be [C, ",
               input.size(1), "], got ", shape_str(centers.shape()));
  MINIDL_CHECK(centers.size(0) > 0, op, ": centers is empty, ", shape_str(centers.shape()));
  MINIDL_CHECK(centers.dtype() == input.dtype(), op, ": centers and input dtypes differ");
  check_labels(op, labels.value(), centers.size(0), std::numeric_limits<std::int64_t>::min());
}

}  // namespace

Variable center_loss(const Variable& input, const Variable& labels, const Variable& centers,
                     const CenterLossOptions& o) {
  check_center_inputs(kOp, input, labels, centers);
  MINIDL_CHECK(o.reduction != Reduction::BatchMean, kOp,
               ": reduction must be 'none', 'mean' or 'sum'");
  const Variable diff = input - index_select(centers, 0, labels.value());
  return reduce(mul(sum(square(diff), {1}), 0.5), o.reduction, kOp);
}

void center_loss_update(const Variable& centers, const Variable& input, const Variable& labels,
                        double alpha) {
  constexpr const char* kUpdate = "center_loss_update";
  check_center_inputs(kUpdate, input, labels, centers);
  MINIDL_CHECK(alpha >= 0 && alpha <= 1, kUpdate, ": alpha must be in [0, 1], got ", alpha);
  const std::int64_t n = input.size(0), d = input.size(1), c = centers.size(0);
  const std::vector<double> x = input.value().to_vector();
  const std::vector<std::int64_t> y = labels.value().values<std::int64_t>();
  std::vector<double> cv = centers.value().to_vector();
  std::vector<double> delta(cv.size(), 0.0);
  std::vector<double> count(c, 0.0);
  for (std::int64_t i = 0; i < n; ++i) {
    count[y[i]] += 1;
    for (std::int64_t k = 0; k < d; ++k) delta[y[i] * d + k] += cv[y[i] * d + k] - x[i * d + k];
  }
  for (std::int64_t j = 0; j < c; ++j)
    for (std::int64_t k = 0; k < d; ++k)
      cv[j * d + k] -= alpha * delta[j * d + k] / (1.0 + count[j]);
  Tensor target = centers.value();  // shares the caller's storage
  target.copy_(from_vector(cv, centers.shape()));
}

}  // namespace minidl::losses
