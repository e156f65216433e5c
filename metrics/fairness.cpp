#include "metrics/fairness.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "metrics/classification.h"

namespace minidl::metrics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// max - min over the non-NaN values (0 when fewer than one).
double spread(const std::vector<double>& v) {
  double lo = INFINITY, hi = -INFINITY;
  for (double x : v) {
    if (std::isnan(x)) continue;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  return hi >= lo ? hi - lo : 0.0;
}

void check_ids(const char* op, const char* what, const Tensor& ids, std::int64_t n) {
  MINIDL_CHECK(ids.defined() && ids.dtype() == kInt64 && ids.dim() == 1, op, ": ", what,
               " must be int64 [N], got ",
               ids.defined() ? std::string(dtype_name(ids.dtype())) + " " + shape_str(ids.shape())
                             : std::string("an undefined tensor"));
  MINIDL_CHECK(ids.size(0) == n, op, ": ", n, " predictions but ", ids.size(0), " ", what);
}

}  // namespace

GroupRates group_rates(const Tensor& outputs, const Tensor& labels, const Tensor& groups,
                       std::int64_t num_groups, std::int64_t positive) {
  constexpr const char* kOp = "group_rates";
  MINIDL_CHECK(num_groups >= 1, kOp, ": num_groups must be >= 1, got ", num_groups);
  const Tensor pred = predicted_classes(outputs);
  const std::int64_t n = pred.size(0);
  MINIDL_CHECK(n > 0, kOp, ": no predictions");
  check_ids(kOp, "labels", labels, n);
  check_ids(kOp, "groups", groups, n);
  const std::int64_t *yhat = pred.data<std::int64_t>(), *y = labels.data<std::int64_t>(),
                     *a = groups.data<std::int64_t>();
  const auto g_n = static_cast<std::size_t>(num_groups);
  GroupRates r;
  r.count.assign(g_n, 0);
  std::vector<double> hits(g_n, 0), selected(g_n, 0), pos(g_n, 0), tp(g_n, 0), neg(g_n, 0),
      fp(g_n, 0);
  for (std::int64_t i = 0; i < n; ++i) {
    MINIDL_CHECK(a[i] >= 0 && a[i] < num_groups, kOp, ": group ", a[i], " at index ", i,
                 " is outside [0, ", num_groups, ")");
    const auto g = static_cast<std::size_t>(a[i]);
    const bool says_pos = yhat[i] == positive, is_pos = y[i] == positive;
    ++r.count[g];
    hits[g] += yhat[i] == y[i];
    selected[g] += says_pos;
    (is_pos ? pos : neg)[g] += 1;
    (is_pos ? tp : fp)[g] += says_pos;
  }
  const auto ratio = [](double a, double b) { return b > 0 ? a / b : kNaN; };
  r.worst_group_accuracy = INFINITY;
  for (std::size_t g = 0; g < g_n; ++g) {
    const auto c = static_cast<double>(r.count[g]);
    r.accuracy.push_back(ratio(hits[g], c));
    r.selection_rate.push_back(ratio(selected[g], c));
    r.tpr.push_back(ratio(tp[g], pos[g]));
    r.fpr.push_back(ratio(fp[g], neg[g]));
    if (r.count[g] > 0) r.worst_group_accuracy = std::min(r.worst_group_accuracy, r.accuracy[g]);
  }
  r.demographic_parity_difference = spread(r.selection_rate);
  r.equalized_odds_difference = std::max(spread(r.tpr), spread(r.fpr));
  r.accuracy_gap = spread(r.accuracy);
  return r;
}

double demographic_parity_difference(const Tensor& outputs, const Tensor& groups,
                                     std::int64_t num_groups, std::int64_t positive) {
  // The labels do not enter the selection rates; the predictions stand in for them.
  const Tensor pred = predicted_classes(outputs);
  return group_rates(pred, pred, groups, num_groups, positive).demographic_parity_difference;
}

double equalized_odds_difference(const Tensor& outputs, const Tensor& labels, const Tensor& groups,
                                 std::int64_t num_groups, std::int64_t positive) {
  return group_rates(outputs, labels, groups, num_groups, positive).equalized_odds_difference;
}

}  // namespace minidl::metrics
