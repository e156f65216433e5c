// ROC curve, ROC AUC and TAR at FAR (definitions in metrics/verification.h).
//
// One sort of the pairs by decreasing score, then one pass that emits a point at the end of every
// run of equal scores: the counts of accepted same / different pairs at that threshold. The AUC is
// summed over those points in integer counts, (dFP) (TP_prev + TP) / 2 per step, and divided once
// at the end, so it is exact up to one rounding for any P below 2^26.
#include "metrics/verification.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

namespace minidl::metrics {
namespace {

struct Counts {
  std::vector<double> thresholds;
  std::vector<std::int64_t> tp, fp;  // accepted same / different pairs at each threshold
  std::int64_t positives = 0, negatives = 0;
};

Counts roc_counts(const char* op, const Tensor& scores, const Tensor& same) {
  MINIDL_CHECK(scores.defined() && scores.dim() == 1 && is_floating(scores.dtype()), op,
               ": scores must be float [P], got ",
               scores.defined()
                   ? std::string(dtype_name(scores.dtype())) + " " + shape_str(scores.shape())
                   : std::string("an undefined tensor"));
  MINIDL_CHECK(same.defined() && same.dim() == 1 && same.dtype() == kInt64, op,
               ": same must be int64 [P] of 0/1, got ",
               same.defined()
                   ? std::string(dtype_name(same.dtype())) + " " + shape_str(same.shape())
                   : std::string("an undefined tensor"));
  const std::int64_t n = scores.size(0);
  MINIDL_CHECK(same.size(0) == n, op, ": ", n, " scores but ", same.size(0), " labels");
  const std::vector<double> s = scores.to_vector();
  const std::int64_t* y = same.data<std::int64_t>();
  Counts c;
  for (std::int64_t i = 0; i < n; ++i) {
    MINIDL_CHECK(!std::isnan(s[static_cast<std::size_t>(i)]), op, ": scores[", i, "] is nan");
    MINIDL_CHECK(y[i] == 0 || y[i] == 1, op, ": same[", i, "] is ", y[i], ", expected 0 or 1");
    (y[i] ? c.positives : c.negatives) += 1;
  }
  MINIDL_CHECK(c.positives > 0 && c.negatives > 0, op,
               ": needs both same and different pairs, got ", c.positives, " same and ",
               c.negatives, " different");
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    return s[static_cast<std::size_t>(a)] > s[static_cast<std::size_t>(b)];
  });
  c.thresholds.push_back(std::numeric_limits<double>::infinity());
  c.tp.push_back(0);
  c.fp.push_back(0);
  std::int64_t tp = 0, fp = 0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::int64_t i = order[k];
    (y[i] ? tp : fp) += 1;
    const double v = s[static_cast<std::size_t>(i)];
    if (k + 1 == order.size() || s[static_cast<std::size_t>(order[k + 1])] != v) {
      c.thresholds.push_back(v);
      c.tp.push_back(tp);
      c.fp.push_back(fp);
    }
  }
  return c;
}

}  // namespace

RocCurve roc_curve(const Tensor& scores, const Tensor& same) {
  const Counts c = roc_counts("roc_curve", scores, same);
  RocCurve r;
  r.thresholds = c.thresholds;
  for (std::size_t k = 0; k < c.tp.size(); ++k) {
    r.tpr.push_back(static_cast<double>(c.tp[k]) / static_cast<double>(c.positives));
    r.fpr.push_back(static_cast<double>(c.fp[k]) / static_cast<double>(c.negatives));
  }
  return r;
}

double roc_auc(const Tensor& scores, const Tensor& same) {
  const Counts c = roc_counts("roc_auc", scores, same);
  // Twice the area in count units: sum of dFP * (TP_prev + TP).
  double twice = 0;
  for (std::size_t k = 1; k < c.tp.size(); ++k)
    twice +=
        static_cast<double>(c.fp[k] - c.fp[k - 1]) * static_cast<double>(c.tp[k - 1] + c.tp[k]);
  return twice / (2.0 * static_cast<double>(c.positives) * static_cast<double>(c.negatives));
}

TarAtFar tar_at_far(const Tensor& scores, const Tensor& same, double far) {
  MINIDL_CHECK(far >= 0 && far <= 1, "tar_at_far: far must be in [0, 1], got ", far);
  const Counts c = roc_counts("tar_at_far", scores, same);
  // FAR never decreases as the threshold falls: the last point with FAR <= far has the most TAR.
  std::size_t best = 0;
  for (std::size_t k = 0; k < c.fp.size(); ++k)
    if (static_cast<double>(c.fp[k]) / static_cast<double>(c.negatives) <= far) best = k;
  return {static_cast<double>(c.tp[best]) / static_cast<double>(c.positives),
          static_cast<double>(c.fp[best]) / static_cast<double>(c.negatives), c.thresholds[best]};
}

}  // namespace minidl::metrics
