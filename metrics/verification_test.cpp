// Verification metrics on hand-worked pairs (arithmetic in the comments) and against a
// brute-force Mann-Whitney count.
#include "metrics/verification.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "tensor/random.h"

using namespace minidl;
using namespace minidl::metrics;

namespace {

Tensor ints(const std::vector<std::int64_t>& v) { return from_vector(v); }
Tensor reals(const std::vector<double>& v) { return from_vector(v); }

const double kInf = std::numeric_limits<double>::infinity();

}  // namespace

TEST_CASE("verification: ROC points, AUC and TAR at FAR by hand") {
  // Scores in decreasing order with labels S S D S D D (3 same, 3 different):
  //   threshold  inf  .9   .8   .7   .6   .5   .4
  //   TAR        0    1/3  2/3  2/3  1    1    1
  //   FAR        0    0    0    1/3  1/3  2/3  1
  // AUC: .9 and .8 beat all three different pairs, .6 beats two: (3 + 3 + 2) / 9 = 8/9.
  const Tensor s = reals({0.9, 0.8, 0.7, 0.6, 0.5, 0.4});
  const Tensor y = ints({1, 1, 0, 1, 0, 0});
  RocCurve roc = roc_curve(s, y);
  CHECK(roc.thresholds == std::vector<double>{kInf, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4});
  const std::vector<double> tpr = {0, 1.0 / 3, 2.0 / 3, 2.0 / 3, 1, 1, 1};
  const std::vector<double> fpr = {0, 0, 0, 1.0 / 3, 1.0 / 3, 2.0 / 3, 1};
  REQUIRE(roc.tpr.size() == tpr.size());
  for (std::size_t k = 0; k < tpr.size(); ++k) {
    CHECK(roc.tpr[k] == doctest::Approx(tpr[k]));
    CHECK(roc.fpr[k] == doctest::Approx(fpr[k]));
  }
  CHECK(roc_auc(s, y) == doctest::Approx(8.0 / 9));

  // TAR at FAR: the lowest threshold whose FAR stays within the request.
  TarAtFar t0 = tar_at_far(s, y, 0.0);  // threshold .8
  CHECK(t0.threshold == 0.8);
  CHECK(t0.tar == doctest::Approx(2.0 / 3));
  CHECK(t0.far == 0.0);
  TarAtFar t20 = tar_at_far(s, y, 0.2);  // 1/3 > .2: still .8
  CHECK(t20.threshold == 0.8);
  TarAtFar t33 = tar_at_far(s, y, 1.0 / 3);  // threshold .6
  CHECK(t33.threshold == 0.6);
  CHECK(t33.tar == 1.0);
  CHECK(t33.far == doctest::Approx(1.0 / 3));
  CHECK(tar_at_far(s, y, 1.0).threshold == 0.4);
  // The top score is a different pair: at FAR 0 nothing may be accepted.
  TarAtFar none = tar_at_far(reals({0.9, 0.5}), ints({0, 1}), 0.0);
  CHECK(none.threshold == kInf);
  CHECK(none.tar == 0.0);
}

TEST_CASE("verification: tied scores count one half") {
  // Scores 0 1 0 1 with labels D S S D: ROC (0,0) (.5,.5) (1,1), area .5; Mann-Whitney:
  // (1 vs 1) .5 + (1 vs 0) 1 + (0 vs 1) 0 + (0 vs 0) .5 = 2 of 4.
  CHECK(roc_auc(reals({0, 1, 0, 1}), ints({0, 1, 1, 0})) == 0.5);
  // .2 .5 .5 .5 with D S D S: points (0,0) (.5,1) (1,1): area .25 + .5 = .75; Mann-Whitney:
  // each same pair ties the .5 different pair (.5) and beats .2 (1): 3 of 4.
  const Tensor s = reals({0.2, 0.5, 0.5, 0.5});
  const Tensor y = ints({0, 1, 0, 1});
  CHECK(roc_auc(s, y) == 0.75);
  CHECK(roc_curve(s, y).thresholds == std::vector<double>{kInf, 0.5, 0.2});
  // float32 scores work the same.
  CHECK(roc_auc(s.to(kFloat32), y) == 0.75);
}

TEST_CASE("verification: AUC equals a brute-force Mann-Whitney count") {
  Generator gen(8);
  const std::int64_t n = 300;
  Tensor s = randn({n}, gen, kFloat64);
  Tensor y = randint(0, 2, {n}, gen);
  double* ps = s.data<double>();
  const std::int64_t* py = y.data<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) ps[i] = std::round(ps[i] * 4 + py[i]);  // many ties
  double wins = 0, pos = 0, neg = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    (py[i] ? pos : neg) += 1;
    if (!py[i]) continue;
    for (std::int64_t j = 0; j < n; ++j)
      if (!py[j]) wins += ps[i] > ps[j] ? 1.0 : ps[i] == ps[j] ? 0.5 : 0.0;
  }
  CHECK(roc_auc(s, y) == doctest::Approx(wins / (pos * neg)).epsilon(1e-14));
  // The ROC is monotone and ends at (1, 1).
  RocCurve roc = roc_curve(s, y);
  for (std::size_t k = 1; k < roc.tpr.size(); ++k) {
    CHECK(roc.tpr[k] >= roc.tpr[k - 1]);
    CHECK(roc.fpr[k] >= roc.fpr[k - 1]);
    CHECK(roc.thresholds[k] < roc.thresholds[k - 1]);
  }
  CHECK(roc.tpr.back() == 1.0);
  CHECK(roc.fpr.back() == 1.0);
}

TEST_CASE("verification: errors name the function and the values") {
  CHECK_THROWS_WITH_AS(roc_auc(reals({0.1, 0.2}), ints({1, 1})),
                       doctest::Contains("roc_auc: needs both same and different pairs, got 2 "
                                         "same and 0 different"),
                       Error);
  CHECK_THROWS_WITH_AS(roc_curve(reals({0.1, NAN}), ints({1, 0})),
                       doctest::Contains("roc_curve: scores[1] is nan"), Error);
  CHECK_THROWS_WITH_AS(roc_curve(reals({0.1, 0.3}), ints({1, 2})),
                       doctest::Contains("same[1] is 2, expected 0 or 1"), Error);
  CHECK_THROWS_WITH_AS(roc_curve(reals({0.1, 0.3}), ints({1})),
                       doctest::Contains("2 scores but 1 labels"), Error);
  CHECK_THROWS_WITH_AS(roc_curve(ints({1, 0}), ints({1, 0})),
                       doctest::Contains("scores must be float [P], got int64 [2]"), Error);
  CHECK_THROWS_WITH_AS(tar_at_far(reals({0.1, 0.3}), ints({1, 0}), 1.5),
                       doctest::Contains("tar_at_far: far must be in [0, 1], got 1.5"), Error);
}
