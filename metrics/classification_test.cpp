// Classification metrics against values worked out by hand (the arithmetic is in the comments;
// each matches scikit-learn 1.3's precision_recall_fscore_support on the same lists).
#include "metrics/classification.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "tensor/ops.h"

using namespace minidl;
using namespace minidl::metrics;

namespace {

Tensor ints(const std::vector<std::int64_t>& v) { return from_vector(v); }

// Scores whose argmax is pred (one-hot rows), so the same example runs through the score path.
Tensor one_hot_scores(const std::vector<std::int64_t>& pred, std::int64_t c) {
  return one_hot(ints(pred), c).to(kFloat32);
}

// y    = [0, 1, 2, 2, 1, 0, 2, 1]
// pred = [0, 2, 2, 2, 1, 0, 1, 0]
// M (rows true) = [[2,0,0],[1,1,1],[0,1,2]]; support [2,3,3]; predicted [3,2,3]; tp [2,1,2]
const std::vector<std::int64_t> kY = {0, 1, 2, 2, 1, 0, 2, 1};
const std::vector<std::int64_t> kPred = {0, 2, 2, 2, 1, 0, 1, 0};

}  // namespace

TEST_CASE("metrics: confusion matrix has true classes as rows") {
  Tensor m = confusion_matrix(ints(kPred), ints(kY), 3);
  CHECK(m.dtype() == kInt64);
  CHECK(m.values<std::int64_t>() == std::vector<std::int64_t>{2, 0, 0, 1, 1, 1, 0, 1, 2});
  // The same from scores.
  CHECK(confusion_matrix(one_hot_scores(kPred, 3), ints(kY), 3).values<std::int64_t>() ==
        m.values<std::int64_t>());
}

TEST_CASE("metrics: per-class precision, recall, F1 and their averages") {
  ClassificationReport r = classification_report(confusion_matrix(ints(kPred), ints(kY), 3));
  // precision tp/pred = [2/3, 1/2, 2/3]; recall tp/true = [1, 1/3, 2/3];
  // f1 2tp/(true+pred) = [4/5, 2/5, 4/6]
  CHECK(r.precision[0] == doctest::Approx(2.0 / 3));
  CHECK(r.precision[1] == doctest::Approx(0.5));
  CHECK(r.precision[2] == doctest::Approx(2.0 / 3));
  CHECK(r.recall[0] == doctest::Approx(1.0));
  CHECK(r.recall[1] == doctest::Approx(1.0 / 3));
  CHECK(r.recall[2] == doctest::Approx(2.0 / 3));
  CHECK(r.f1[0] == doctest::Approx(0.8));
  CHECK(r.f1[1] == doctest::Approx(0.4));
  CHECK(r.f1[2] == doctest::Approx(2.0 / 3));
  CHECK(r.support == std::vector<std::int64_t>{2, 3, 3});
  CHECK(r.accuracy == doctest::Approx(5.0 / 8));
  // macro f1 = (4/5 + 2/5 + 2/3) / 3 = 28/45; weighted = (2*.8 + 3*.4 + 3*2/3) / 8 = 0.6
  CHECK(r.macro_f1 == doctest::Approx(28.0 / 45));
  CHECK(r.weighted_f1 == doctest::Approx(0.6));
  // macro precision (2/3 + 1/2 + 2/3) / 3 = 11/18; weighted (4/3 + 3/2 + 2) / 8 = 29/48
  CHECK(r.macro_precision == doctest::Approx(11.0 / 18));
  CHECK(r.weighted_precision == doctest::Approx(29.0 / 48));
  CHECK(r.macro_recall == doctest::Approx(2.0 / 3));
  CHECK(r.weighted_recall == doctest::Approx(5.0 / 8));  // always equals accuracy
  CHECK(macro_f1(ints(kPred), ints(kY), 3) == doctest::Approx(28.0 / 45));
  CHECK(weighted_f1(one_hot_scores(kPred, 3), ints(kY), 3) == doctest::Approx(0.6));
}

TEST_CASE("metrics: zero_division for unpredicted and absent classes, as scikit-learn") {
  // y = [0,0,1,2], pred = [0,1,1,0], C = 4: class 2 is never predicted, class 3 never occurs.
  // true [2,1,1,0], pred [2,2,0,0], tp [1,1,0,0]
  Tensor m = confusion_matrix(ints({0, 1, 1, 0}), ints({0, 0, 1, 2}), 4);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  struct Row {
    double zero_division;
    double precision2, f1_3, macro_precision;
  };
  // precision_2 = 0/0 -> zd; f1_2 = 0/(1+0) = 0 whatever zd; class 3 is 0/0 everywhere.
  // macro over the present classes {0,1,2}: precision (1/2 + 1/2 + zd) / 3, NaN skipped.
  for (const Row& row :
       {Row{0.0, 0.0, 0.0, 1.0 / 3}, Row{1.0, 1.0, 1.0, 2.0 / 3}, Row{nan, nan, nan, 0.5}}) {
    CAPTURE(row.zero_division);
    ClassificationReport r = classification_report(m, row.zero_division);
    if (std::isnan(row.zero_division)) {
      CHECK(std::isnan(r.precision[2]));
      CHECK(std::isnan(r.f1[3]));
    } else {
      CHECK(r.precision[2] == row.precision2);
      CHECK(r.f1[3] == row.f1_3);
    }
    CHECK(r.f1[2] == 0.0);
    CHECK(r.recall[2] == 0.0);
    CHECK(r.macro_precision == doctest::Approx(row.macro_precision));
    // f1 [1/2, 2/3, 0] over the present classes: 7/18 (class 3 is left out, not counted as zd)
    CHECK(r.macro_f1 == doctest::Approx(7.0 / 18));
    // weighted by support [2,1,1,0]: (2*.5 + 2/3 + 0) / 4 = 5/12
    CHECK(r.weighted_f1 == doctest::Approx(5.0 / 12));
  }
  CHECK_THROWS_WITH(classification_report(m, 0.5),
                    doctest::Contains("zero_division must be 0, 1 or NaN"));
}

TEST_CASE("metrics: accuracy and top-k accuracy break ties by class index") {
  // Row 0: y=2, only 0.5 is above 0.3 -> rank 1. Row 1: y=1, 0.4 above and class 0 ties at
  // 0.2 with a lower index -> rank 2. Row 2: y=0 is the maximum -> rank 0.
  Tensor s = tensor({{0.1, 0.5, 0.3, 0.1}, {0.2, 0.2, 0.2, 0.4}, {0.9, 0.0, 0.05, 0.05}});
  Tensor y = ints({2, 1, 0});
  CHECK(accuracy(s, y) == doctest::Approx(1.0 / 3));
  CHECK(top_k_accuracy(s, y, 1) == doctest::Approx(1.0 / 3));
  CHECK(top_k_accuracy(s, y, 2) == doctest::Approx(2.0 / 3));
  CHECK(top_k_accuracy(s, y, 3) == doctest::Approx(1.0));
  CHECK(top_k_accuracy(s, y, 4) == doctest::Approx(1.0));
  CHECK(accuracy(ints({2, 1, 1}), y) == doctest::Approx(2.0 / 3));
  CHECK_THROWS_WITH(top_k_accuracy(s, y, 5), doctest::Contains("k must be in [1, 4], got 5"));
}

TEST_CASE("metrics: the streaming accumulator equals the whole-set values") {
  ClassificationAccumulator acc(3, {1, 2});
  Tensor scores = tensor({{2, 1, 0},
                          {0, 1, 3},
                          {0, 0, 1},
                          {1, 0, 2},
                          {0, 5, 1},
                          {3, 2, 1},
                          {0, 2, 1},
                          {4, 3, 0}});  // argmax = kPred
  Tensor y = ints(kY);
  for (auto [start, len] : {std::pair{0, 3}, {3, 3}, {6, 2}})
    acc.update(scores.narrow_rows(start, len), y.narrow_rows(start, len));
  CHECK(acc.count() == 8);
  CHECK(acc.accuracy() == doctest::Approx(5.0 / 8));
  CHECK(acc.top_k_accuracy(1) == doctest::Approx(5.0 / 8));
  // Second choices: row 1 (y=1) has 1 second, row 6 (y=2) 1 second, row 7 (y=1) 3 second -> 8/8.
  CHECK(acc.top_k_accuracy(2) == doctest::Approx(1.0));
  CHECK(acc.confusion().values<std::int64_t>() ==
        confusion_matrix(ints(kPred), y, 3).values<std::int64_t>());
  CHECK(acc.report().macro_f1 == doctest::Approx(28.0 / 45));
  CHECK_THROWS_WITH(acc.top_k_accuracy(3), doctest::Contains("top-3 accuracy was not tracked"));
  acc.reset();
  CHECK(acc.count() == 0);
  CHECK_THROWS_WITH(acc.accuracy(), doctest::Contains("no samples"));
}

TEST_CASE("metrics: bad inputs name the op and the values") {
  CHECK_THROWS_WITH(confusion_matrix(ints({0, 1}), ints({0, 3}), 3),
                    doctest::Contains("label 3 at index 1 is outside [0, 3)"));
  CHECK_THROWS_WITH(accuracy(ints({0, 1}), ints({0, 1, 1})),
                    doctest::Contains("2 outputs but 3 labels"));
  CHECK_THROWS_WITH(accuracy(ints({0}), from_vector(std::vector<float>{0.f})),
                    doctest::Contains("labels must be int64 [N]"));
  CHECK_THROWS_WITH(confusion_matrix(zeros({2, 4}), ints({0, 1}), 3),
                    doctest::Contains("do not have num_classes = 3"));
  ClassificationAccumulator acc(3, {2});
  CHECK_THROWS_WITH(acc.update(ints({0, 1}), ints({0, 1})),
                    doctest::Contains("top-k accuracy needs scores [B, C]"));
  // A rejected batch leaves the counts untouched.
  CHECK_THROWS(acc.update(zeros({2, 3}), ints({0, 7})));
  CHECK(acc.count() == 0);
}
