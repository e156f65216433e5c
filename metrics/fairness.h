// Group fairness metrics (layer 3, namespace minidl::metrics): how a classifier's decisions
// differ between groups of a sensitive attribute. Conventions of fairlearn (fairlearn.metrics).
//
// For predicted classes yhat [N], true classes y [N] and group ids a [N] in [0, G), and the
// positive class `positive` (binary rates treat it one-vs-rest), per group g:
//   accuracy_g       = P(yhat = y | a = g)
//   selection_rate_g = P(yhat = pos | a = g)
//   TPR_g            = P(yhat = pos | y = pos, a = g)     (recall of the positives)
//   FPR_g            = P(yhat = pos | y != pos, a = g)
// and over the groups that have samples (a rate with no sample to count is NaN and left out):
//   demographic parity difference = max_g selection_rate_g - min_g selection_rate_g
//   equalised odds difference     = max(max_g TPR_g - min_g TPR_g, max_g FPR_g - min_g FPR_g)
//   worst-group accuracy          = min_g accuracy_g        (Sagawa et al. 2020's metric)
// 0 is parity. fairlearn.metrics.demographic_parity_difference and equalized_odds_difference
// (method='between_groups') compute the same two numbers.
#pragma once

#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace minidl::metrics {

struct GroupRates {
  std::vector<std::int64_t> count;  // samples per group
  // Per group; NaN where the group has no sample (no positive for TPR, no negative for FPR).
  std::vector<double> accuracy, selection_rate, tpr, fpr;
  double demographic_parity_difference = 0, equalized_odds_difference = 0;
  double worst_group_accuracy = 0, accuracy_gap = 0;  // min_g accuracy_g, max_g - min_g
};

// outputs: predicted classes int64 [N] or scores [N, C] (argmax); labels int64 [N]; groups
// int64 [N] in [0, num_groups).
GroupRates group_rates(const Tensor& outputs, const Tensor& labels, const Tensor& groups,
                       std::int64_t num_groups, std::int64_t positive = 1);

double demographic_parity_difference(const Tensor& outputs, const Tensor& groups,
                                     std::int64_t num_groups, std::int64_t positive = 1);
double equalized_odds_difference(const Tensor& outputs, const Tensor& labels, const Tensor& groups,
                                 std::int64_t num_groups, std::int64_t positive = 1);

}  // namespace minidl::metrics
