// Calibration of predicted probabilities (layer 3, namespace minidl::metrics): does a model that
// says "90% sure" get 90% right?
//
// For probabilities p [N, C] (rows summing to 1) and labels y [N], the confidence of sample i is
// conf_i = max_c p_ic and its prediction argmax_c p_ic. The confidences are put into B
// equal-width bins (b/B, (b+1)/B] (Guo, Pleiss, Sun and Weinberger, ICML 2017, "On calibration of
// modern neural networks"; the first bin also takes conf = 0):
//   acc(b)  = (1/|b|) sum_{i in b} [pred_i == y_i],   conf(b) = (1/|b|) sum_{i in b} conf_i
//   ECE     = sum_b (|b| / N) |acc(b) - conf(b)|       (the expected calibration error, L1)
//   MCE     = max_{b non-empty} |acc(b) - conf(b)|      (the maximum calibration error)
// The bins with their accuracy and confidence are the reliability diagram: a calibrated model
// lies on the diagonal; bars below it are over-confident. Torchmetrics' binary and multiclass
// calibration_error with norm='l1' and 'max' compute the same numbers.
// Also here: the mean negative log-likelihood -(1/N) sum_i log p_{i y_i} (with p clamped at
// 1e-12, so one confident mistake does not make it infinite), and the multiclass Brier score
// (1/N) sum_i sum_c (p_ic - [c == y_i])^2.
#pragma once

#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace minidl::metrics {

struct ReliabilityBin {
  double lower = 0, upper = 0;  // the bin (lower, upper]
  std::int64_t count = 0;
  double accuracy = 0, confidence = 0;  // 0 when the bin is empty
};

struct Calibration {
  std::vector<ReliabilityBin> bins;
  double ece = 0, mce = 0;
  double accuracy = 0, nll = 0, brier = 0;
};

// probabilities float [N, C] (each in [0, 1]), labels int64 [N] in [0, C), bins >= 1.
Calibration calibration(const Tensor& probabilities, const Tensor& labels,
                        std::int64_t num_bins = 15);
double expected_calibration_error(const Tensor& probabilities, const Tensor& labels,
                                  std::int64_t num_bins = 15);

}  // namespace minidl::metrics
