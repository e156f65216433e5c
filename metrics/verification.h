// Verification metrics (layer 3, namespace minidl::metrics): is a pair "same" or "different"?
// A verifier gives each pair a score, higher meaning more likely the same (a similarity; pass
// -distance for distances), and accepts a pair when score >= threshold.
//
// Shapes: P pairs. scores float [P] (float32 or float64), same int64 [P] of 0 (different) and
// 1 (same). Both classes must occur: P_same >= 1 and P_diff >= 1.
//
//   TAR(t) = #{same pairs with score >= t} / P_same     (true accept rate = TPR = recall)
//   FAR(t) = #{different pairs with score >= t} / P_diff (false accept rate = FPR)
//
// ROC curve: one point per distinct score value t, in decreasing t, preceded by the point (0, 0)
// at threshold +inf; the last point is (1, 1) at the lowest score. This is scikit-learn's
// roc_curve(same, scores, drop_intermediate=False) (thresholds[0] = inf as in scikit-learn >= 1.3).
// ROC AUC: the trapezoid rule over those points, which equals the Mann-Whitney statistic
//   AUC = (1 / (P_same P_diff)) sum_{s same, d different} ([score_s > score_d] + 0.5 [equal])
// (a tie between a same and a different pair counts one half).
// TAR at FAR f: the threshold is the lowest ROC threshold whose FAR is still <= f, i.e. the
// largest TAR reachable without exceeding the requested FAR (no interpolation between ROC points,
// so the achieved FAR may be below f). When even the highest score gives FAR > f, the threshold is
// +inf and TAR = FAR = 0.
#pragma once

#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace minidl::metrics {

struct RocCurve {
  std::vector<double> fpr;         // FAR at each threshold, non-decreasing, from 0 to 1
  std::vector<double> tpr;         // TAR at each threshold, non-decreasing, from 0 to 1
  std::vector<double> thresholds;  // decreasing; thresholds[0] = +inf
};

RocCurve roc_curve(const Tensor& scores, const Tensor& same);
double roc_auc(const Tensor& scores, const Tensor& same);

struct TarAtFar {
  double tar = 0;
  double far = 0;        // the FAR actually achieved (<= the requested one)
  double threshold = 0;  // accept when score >= threshold
};
// far in [0, 1].
TarAtFar tar_at_far(const Tensor& scores, const Tensor& same, double far);

}  // namespace minidl::metrics
