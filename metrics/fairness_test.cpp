// fairness: per-group rates, demographic parity and equalised odds differences, worst-group
// accuracy on a hand-worked case.
#include "metrics/fairness.h"

#include <doctest/doctest.h>

#include <cmath>

#include "tensor/error.h"

namespace minidl::metrics {
namespace {

Tensor ids(std::vector<std::int64_t> v) { return from_vector(v); }

TEST_CASE("fairness: hand-worked per-group rates and differences") {
  // group 0: y    1 1 0 0      group 1: y    1 0 0 0
  //          yhat 1 0 0 1               yhat 1 1 1 0
  const Tensor y = ids({1, 1, 0, 0, 1, 0, 0, 0});
  const Tensor yhat = ids({1, 0, 0, 1, 1, 1, 1, 0});
  const Tensor a = ids({0, 0, 0, 0, 1, 1, 1, 1});
  const GroupRates r = group_rates(yhat, y, a, 2);
  CHECK(r.count == std::vector<std::int64_t>{4, 4});
  CHECK(r.accuracy[0] == doctest::Approx(0.5));
  CHECK(r.accuracy[1] == doctest::Approx(0.5));
  CHECK(r.selection_rate[0] == doctest::Approx(0.5));
  CHECK(r.selection_rate[1] == doctest::Approx(0.75));
  CHECK(r.tpr[0] == doctest::Approx(0.5));
  CHECK(r.tpr[1] == doctest::Approx(1.0));
  CHECK(r.fpr[0] == doctest::Approx(0.5));
  CHECK(r.fpr[1] == doctest::Approx(2.0 / 3.0));
  CHECK(r.demographic_parity_difference == doctest::Approx(0.25));
  CHECK(r.equalized_odds_difference == doctest::Approx(0.5));  // the TPR gap beats the FPR gap
  CHECK(r.worst_group_accuracy == doctest::Approx(0.5));
  CHECK(r.accuracy_gap == doctest::Approx(0.0));
  CHECK(demographic_parity_difference(yhat, a, 2) == doctest::Approx(0.25));
  CHECK(equalized_odds_difference(yhat, y, a, 2) == doctest::Approx(0.5));
}

TEST_CASE("fairness: scores are argmaxed; empty groups and missing positives are NaN, skipped") {
  // Three groups, group 2 empty; group 1 has no positive (its TPR is NaN).
  const Tensor scores = from_vector(std::vector<double>{0.2, 0.8, 0.9, 0.1, 0.3, 0.7}, {3, 2});
  const GroupRates r = group_rates(scores, ids({1, 1, 0}), ids({0, 0, 1}), 3);
  CHECK(r.accuracy[0] == doctest::Approx(0.5));
  CHECK(r.accuracy[1] == doctest::Approx(0.0));
  CHECK(std::isnan(r.accuracy[2]));
  CHECK(std::isnan(r.tpr[1]));
  CHECK(r.worst_group_accuracy == doctest::Approx(0.0));
  CHECK(r.accuracy_gap == doctest::Approx(0.5));
  // Selection rates 0.5 and 1: DP 0.5. TPR exists only in group 0 (no negatives there) and FPR
  // only in group 1: neither has a gap to measure, so equalised odds is 0, not NaN.
  CHECK(r.demographic_parity_difference == doctest::Approx(0.5));
  CHECK(std::isnan(r.fpr[0]));
  CHECK(r.fpr[1] == doctest::Approx(1.0));
  CHECK(r.equalized_odds_difference == 0.0);
  // Multi-class: accuracy per group, rates one-vs-rest for `positive`.
  const GroupRates m = group_rates(ids({2, 1, 2, 0}), ids({2, 2, 2, 0}), ids({0, 0, 1, 1}), 2, 2);
  CHECK(m.tpr[0] == doctest::Approx(0.5));
  CHECK(m.tpr[1] == doctest::Approx(1.0));
  CHECK(m.accuracy[1] == doctest::Approx(1.0));
}

TEST_CASE("fairness: errors name the op and the values") {
  CHECK_THROWS_WITH_AS(group_rates(ids({1, 0}), ids({1, 0}), ids({0, 2}), 2),
                       doctest::Contains("group_rates: group 2 at index 1 is outside [0, 2)"),
                       Error);
  CHECK_THROWS_WITH_AS(group_rates(ids({1, 0}), ids({1}), ids({0, 1}), 2),
                       doctest::Contains("group_rates: 2 predictions but 1 labels"), Error);
  CHECK_THROWS_WITH_AS(group_rates(ids({1}), ids({1}), ids({0}), 0),
                       doctest::Contains("group_rates: num_groups must be >= 1, got 0"), Error);
}

}  // namespace
}  // namespace minidl::metrics
