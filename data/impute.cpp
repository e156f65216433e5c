// SimpleImputer (see impute.h). Plain loops over a float64 copy: a fit reads every value once and
// sorts each column's values for the median, which for tabular data (N in thousands, D in tens)
// is nothing next to training.
#include "data/impute.h"

#include <algorithm>
#include <cmath>

#include "tensor/error.h"

namespace minidl::data {
namespace {

void check_table(const char* op, const Tensor& x) {
  MINIDL_CHECK(x.defined(), op, ": x is undefined");
  MINIDL_CHECK(x.dtype() == kFloat32 || x.dtype() == kFloat64, op,
               ": x must be float32 or float64, got ", dtype_name(x.dtype()));
  MINIDL_CHECK(x.dim() == 2, op, ": x must be [N, D], got ", shape_str(x.shape()));
}

}  // namespace

SimpleImputer& SimpleImputer::fit(const Tensor& x) {
  constexpr const char* kOp = "SimpleImputer::fit";
  check_table(kOp, x);
  MINIDL_CHECK(x.size(0) > 0 && x.size(1) > 0, kOp, ": x is empty, ", shape_str(x.shape()));
  const std::int64_t n = x.size(0), d = x.size(1);
  const std::vector<double> v = x.to(kFloat64).values<double>();
  std::vector<double> stats(static_cast<std::size_t>(d));
  std::vector<double> column;
  for (std::int64_t j = 0; j < d; ++j) {
    column.clear();
    for (std::int64_t i = 0; i < n; ++i) {
      const double e = v[static_cast<std::size_t>(i * d + j)];
      MINIDL_CHECK(!std::isinf(e), kOp, ": x holds ", e, " at row ", i, ", column ", j,
                   " (missing values must be NaN)");
      if (!std::isnan(e)) column.push_back(e);
    }
    MINIDL_CHECK(!column.empty(), kOp, ": column ", j, " has no value (all ", n,
                 " rows are NaN): nothing to impute it from");
    double s = 0;
    if (strategy_ == ImputeStrategy::kMean) {
      for (double e : column) s += e;
      s /= static_cast<double>(column.size());
    } else {
      const std::size_t mid = column.size() / 2;
      std::nth_element(column.begin(), column.begin() + static_cast<std::ptrdiff_t>(mid),
                       column.end());
      s = column[mid];
      if (column.size() % 2 == 0)
        s = 0.5 * (s + *std::max_element(column.begin(),
                                         column.begin() + static_cast<std::ptrdiff_t>(mid)));
    }
    stats[static_cast<std::size_t>(j)] = s;
  }
  statistics_ = std::move(stats);
  return *this;
}

Tensor SimpleImputer::transform(const Tensor& x) const {
  constexpr const char* kOp = "SimpleImputer::transform";
  MINIDL_CHECK(fitted(), kOp, ": the imputer is not fitted (call fit on the training split)");
  check_table(kOp, x);
  const auto d = static_cast<std::int64_t>(statistics_.size());
  MINIDL_CHECK(x.size(1) == d, kOp, ": x has ", x.size(1), " columns, the imputer was fitted on ",
               d);
  std::vector<double> v = x.to(kFloat64).values<double>();
  for (std::size_t k = 0; k < v.size(); ++k) {
    MINIDL_CHECK(!std::isinf(v[k]), kOp, ": x holds ", v[k], " at row ",
                 static_cast<std::int64_t>(k) / d, ", column ", static_cast<std::int64_t>(k) % d,
                 " (missing values must be NaN)");
    if (std::isnan(v[k])) v[k] = statistics_[k % static_cast<std::size_t>(d)];
  }
  return from_vector(v, x.shape()).to(x.dtype());
}

std::int64_t count_missing(const Tensor& x) {
  if (!x.defined() || x.dtype() == kInt64) return 0;
  std::int64_t n = 0;
  for (double e : x.to(kFloat64).values<double>()) n += std::isnan(e) ? 1 : 0;
  return n;
}

}  // namespace minidl::data
