// Missing-value imputation for tabular features (layer 3): scikit-learn's SimpleImputer with
// strategy "mean" or "median", for the NaN that read_csv(..., {.allow_missing = true}) gives
// missing fields (data/csv.h).
//
//   fit(x_train):   s_j = mean or median of the non-NaN values of column j of x_train [N, D]
//                   (median of an even count: the mean of the two middle values, as NumPy)
//   transform(x):   x_ij if it is a number, else s_j
//
// Fit on the training split only, then transform every split with the training statistics: a
// statistic computed over the validation or test rows would leak them into training (and
// cross-validation would score a model that has seen part of its held-out fold). A column with
// no value in the training split is an error (scikit-learn drops it with a warning; a column that
// silently disappears shifts every column after it). Infinite values are errors too: read_csv
// already turns them into NaN when missing values are allowed, so one here is a bug upstream.
// Shapes: x float32 or float64 [N, D]; transform keeps the dtype (statistics kept in float64).
#pragma once

#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace minidl::data {

enum class ImputeStrategy { kMean, kMedian };

class SimpleImputer {
 public:
  explicit SimpleImputer(ImputeStrategy strategy = ImputeStrategy::kMean) : strategy_(strategy) {}
  // Computes one statistic per column of x [N, D]; returns *this (fit(x).transform(y)).
  SimpleImputer& fit(const Tensor& x);
  // A copy of x [M, D] with every NaN replaced by its column's statistic.
  Tensor transform(const Tensor& x) const;
  Tensor fit_transform(const Tensor& x) { return fit(x).transform(x); }
  bool fitted() const { return !statistics_.empty(); }
  const std::vector<double>& statistics() const { return statistics_; }  // s_j, D values
  ImputeStrategy strategy() const { return strategy_; }

 private:
  ImputeStrategy strategy_;
  std::vector<double> statistics_;
};

// Entries of x that are NaN (the missing fields of a CSV read with allow_missing).
std::int64_t count_missing(const Tensor& x);

}  // namespace minidl::data
