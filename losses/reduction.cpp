#include "losses/reduction.h"

#include <cmath>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "tensor/error.h"

namespace minidl::losses {

Reduction parse_reduction(std::string_view text, std::string_view op) {
  if (text == "none") return Reduction::None;
  if (text == "mean") return Reduction::Mean;
  if (text == "sum") return Reduction::Sum;
  if (text == "batchmean") return Reduction::BatchMean;
  MINIDL_FAIL(op, ": reduction must be 'none', 'mean', 'sum' or 'batchmean', got '", clip(text),
              "'");
}

const char* to_string(Reduction r) {
  switch (r) {
    case Reduction::None:
      return "none";
    case Reduction::Mean:
      return "mean";
    case Reduction::Sum:
      return "sum";
    case Reduction::BatchMean:
      return "batchmean";
  }
  return "?";
}

Variable reduce(const Variable& loss, Reduction r, std::string_view op, bool allow_batchmean) {
  switch (r) {
    case Reduction::None:
      return loss;
    case Reduction::Sum:
      return sum(loss);
    case Reduction::Mean:
      MINIDL_CHECK(loss.numel() > 0, op, ": mean over an empty loss");
      return mul_scalar(sum(loss), 1.0 / static_cast<double>(loss.numel()));
    case Reduction::BatchMean:
      MINIDL_CHECK(allow_batchmean, op, ": reduction 'batchmean' is only for kl_div");
      MINIDL_CHECK(loss.dim() > 0 && loss.size(0) > 0, op, ": batchmean over an empty batch");
      return mul_scalar(sum(loss), 1.0 / static_cast<double>(loss.size(0)));
  }
  MINIDL_FAIL(op, ": unknown reduction");
}

void check_not_empty(std::string_view op, std::string_view name, const Variable& x) {
  MINIDL_CHECK(x.defined(), op, ": ", name, " is undefined");
  MINIDL_CHECK(x.numel() > 0, op, ": ", name, " is empty, shape ", shape_str(x.shape()));
}

void check_floating(std::string_view op, std::string_view name, const Variable& x) {
  MINIDL_CHECK(x.defined(), op, ": ", name, " is undefined");
  MINIDL_CHECK(x.dtype() != DType::kInt64, op, ": ", name,
               " must be float32 or float64, got int64");
}

void check_int64(std::string_view op, std::string_view name, const Variable& x) {
  MINIDL_CHECK(x.defined(), op, ": ", name, " is undefined");
  MINIDL_CHECK(x.dtype() == DType::kInt64, op, ": ", name, " must be int64 class indices, got ",
               dtype_name(x.dtype()));
}

void check_same_shape(std::string_view op, std::string_view a_name, const Variable& a,
                      std::string_view b_name, const Variable& b) {
  MINIDL_CHECK(a.shape() == b.shape(), op, ": ", a_name, " ", shape_str(a.shape()), " and ", b_name,
               " ", shape_str(b.shape()), " must have the same shape");
}

void check_labels(std::string_view op, const Tensor& labels, std::int64_t num_classes,
                  std::int64_t ignore_index) {
  MINIDL_CHECK(labels.dtype() == DType::kInt64, op, ": labels must be int64, got ",
               dtype_name(labels.dtype()));
  const Tensor& c = labels;
  const std::int64_t* y = c.data<std::int64_t>();
  for (std::int64_t i = 0; i < c.numel(); ++i) {
    if (y[i] == ignore_index) continue;
    MINIDL_CHECK(y[i] >= 0 && y[i] < num_classes, op, ": label ", y[i], " at position ", i,
                 " is out of range [0, ", num_classes, ")");
  }
}

void check_sign_labels(std::string_view op, std::string_view name, const Variable& y) {
  const Tensor c = y.value().to(DType::kFloat64);
  const double* v = c.data<double>();
  for (std::int64_t i = 0; i < c.numel(); ++i)
    MINIDL_CHECK(v[i] == 1.0 || v[i] == -1.0, op, ": ", name, " must hold -1 or +1, got ", v[i],
                 " at position ", i);
}

}  // namespace minidl::losses
