#include "metrics/calibration.h"

#include <algorithm>
#include <cmath>

#include "tensor/ops.h"

namespace minidl::metrics {

Calibration calibration(const Tensor& probabilities, const Tensor& labels, std::int64_t num_bins) {
  constexpr const char* kOp = "calibration";
  MINIDL_CHECK(
      probabilities.defined() && probabilities.dim() == 2 && is_floating(probabilities.dtype()),
      kOp, ": probabilities must be float [N, C], got ",
      probabilities.defined()
          ? std::string(dtype_name(probabilities.dtype())) + " " + shape_str(probabilities.shape())
          : std::string("an undefined tensor"));
  const std::int64_t n = probabilities.size(0), c = probabilities.size(1);
  MINIDL_CHECK(n > 0 && c > 0, kOp, ": probabilities ", shape_str(probabilities.shape()),
               " are empty");
  MINIDL_CHECK(
      labels.defined() && labels.dtype() == kInt64 && labels.dim() == 1 && labels.size(0) == n, kOp,
      ": labels must be int64 [", n, "], got ",
      labels.defined() ? std::string(dtype_name(labels.dtype())) + " " + shape_str(labels.shape())
                       : std::string("an undefined tensor"));
  MINIDL_CHECK(num_bins >= 1, kOp, ": num_bins must be >= 1, got ", num_bins);
  const Tensor p64 = probabilities.to(kFloat64);
  const double* p = p64.data<double>();
  const std::int64_t* y = labels.data<std::int64_t>();
  Calibration cal;
  cal.bins.resize(static_cast<std::size_t>(num_bins));
  for (std::int64_t b = 0; b < num_bins; ++b) {
    cal.bins[b].lower = static_cast<double>(b) / static_cast<double>(num_bins);
    cal.bins[b].upper = static_cast<double>(b + 1) / static_cast<double>(num_bins);
  }
  for (std::int64_t i = 0; i < n; ++i) {
    MINIDL_CHECK(y[i] >= 0 && y[i] < c, kOp, ": label ", y[i], " at index ", i, " is outside [0, ",
                 c, ")");
    const double* row = p + i * c;
    std::int64_t pred = 0;
    for (std::int64_t j = 0; j < c; ++j) {
      MINIDL_CHECK(row[j] >= 0 && row[j] <= 1, kOp, ": probability ", row[j], " at [", i, ", ", j,
                   "] is outside [0, 1]");
      if (row[j] > row[pred]) pred = j;
    }
    const double conf = row[pred];
    const bool hit = pred == y[i];
    // Bin b holds (b/B, (b+1)/B]: ceil(conf B) - 1, with conf = 0 in the first bin.
    const auto b = std::clamp<std::int64_t>(
        static_cast<std::int64_t>(std::ceil(conf * static_cast<double>(num_bins))) - 1, 0,
        num_bins - 1);
    ReliabilityBin& bin = cal.bins[b];
    ++bin.count;
    bin.accuracy += hit;
    bin.confidence += conf;
    cal.accuracy += hit;
    cal.nll -= std::log(std::max(row[y[i]], 1e-12));
    for (std::int64_t j = 0; j < c; ++j) {
      const double d = row[j] - (j == y[i] ? 1.0 : 0.0);
      cal.brier += d * d;
    }
  }
  for (ReliabilityBin& bin : cal.bins) {
    if (bin.count == 0) continue;
    bin.accuracy /= static_cast<double>(bin.count);
    bin.confidence /= static_cast<double>(bin.count);
    const double gap = std::abs(bin.accuracy - bin.confidence);
    cal.ece += static_cast<double>(bin.count) / static_cast<double>(n) * gap;
    cal.mce = std::max(cal.mce, gap);
  }
  cal.accuracy /= static_cast<double>(n);
  cal.nll /= static_cast<double>(n);
  cal.brier /= static_cast<double>(n);
  return cal;
}

double expected_calibration_error(const Tensor& probabilities, const Tensor& labels,
                                  std::int64_t num_bins) {
  return calibration(probabilities, labels, num_bins).ece;
}

}  // namespace minidl::metrics
