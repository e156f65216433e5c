// Classification metrics (layer 3, namespace minidl::metrics; values only, no gradients).
//
// Shapes: N samples, C classes. `labels` are int64 [N] in [0, C). `outputs` are either class
// scores [N, C] of any float dtype (logits or probabilities: the predicted class is the argmax,
// ties going to the lowest index, like PyTorch and NumPy) or predicted classes int64 [N].
//
//   accuracy          = (1/N) sum_i [pred_i == y_i]
//   top-k accuracy    = (1/N) sum_i [rank_i < k],  rank_i = #{j : s_ij > s_iy}
//                                                          + #{j < y : s_ij == s_iy}
//     (ties broken by index, as argmax, so top-1 accuracy equals accuracy; Keras' in_top_k counts
//     every tied class as inside the top k instead)
//   confusion M[t][p] = #{i : y_i == t, pred_i == p}      (rows true, columns predicted: sklearn)
//   per class c, with tp = M[c][c], true_c = sum_p M[c][p] (the support), pred_c = sum_t M[t][c]:
//     precision_c = tp / pred_c,  recall_c = tp / true_c,  f1_c = 2 tp / (true_c + pred_c)
//   A zero denominator gives `zero_division` (0, 1 or NaN, as scikit-learn's zero_division=0.0,
//   1.0, np.nan; sklearn's default "warn" behaves as 0). f1 is written with counts as
//   scikit-learn >= 1.3 does, so a class with tp = 0 but some support has f1 0, not zero_division.
//   macro    = unweighted mean over the classes present in labels or predictions (sklearn's
//              average="macro" with labels=None); classes absent from both are left out.
//   weighted = mean weighted by support (average="weighted").
//   NaN entries (zero_division = NaN) are skipped by both averages, as sklearn's _nanaverage.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "tensor/tensor.h"

namespace minidl::metrics {

// Predicted classes int64 [N] from scores [N, C] (argmax over axis 1) or int64 [N] as is.
Tensor predicted_classes(const Tensor& outputs);

double accuracy(const Tensor& outputs, const Tensor& labels);
// scores [N, C]; k in [1, C].
double top_k_accuracy(const Tensor& scores, const Tensor& labels, std::int64_t k);
// int64 [C, C]; rows are true classes, columns predicted ones.
Tensor confusion_matrix(const Tensor& outputs, const Tensor& labels, std::int64_t num_classes);

struct ClassificationReport {
  // One entry per class 0..C-1.
  std::vector<double> precision, recall, f1;
  std::vector<std::int64_t> support;  // true samples of each class
  double accuracy = 0;
  double macro_precision = 0, macro_recall = 0, macro_f1 = 0;
  double weighted_precision = 0, weighted_recall = 0, weighted_f1 = 0;
};

// Every per-class and averaged value from a confusion matrix int64 [C, C] (not all zero).
ClassificationReport classification_report(const Tensor& confusion, double zero_division = 0.0);

// scikit-learn's f1_score(y, pred, average="macro" / "weighted", zero_division=...).
double macro_f1(const Tensor& outputs, const Tensor& labels, std::int64_t num_classes,
                double zero_division = 0.0);
double weighted_f1(const Tensor& outputs, const Tensor& labels, std::int64_t num_classes,
                   double zero_division = 0.0);

// Streaming form: update() once per batch, read the results at the end. Keeps only the
// confusion matrix and the top-k hit counts, so memory does not grow with the data.
//
//   metrics::ClassificationAccumulator acc(10, {5});
//   for (batch : loader) acc.update(model(batch.inputs).value(), batch.targets);
//   acc.accuracy(); acc.top_k_accuracy(5); acc.report().macro_f1;
class ClassificationAccumulator {
 public:
  // top_k: the k values whose top-k accuracy to track (each in [1, C]).
  explicit ClassificationAccumulator(std::int64_t num_classes,
                                     std::vector<std::int64_t> top_k = {});

  // outputs: scores [B, C] or predicted classes int64 [B] (then no top-k may be tracked).
  void update(const Tensor& outputs, const Tensor& labels);
  void reset();

  std::int64_t num_classes() const { return num_classes_; }
  std::int64_t count() const { return count_; }
  // The metrics below need count() > 0.
  double accuracy() const;
  double top_k_accuracy(std::int64_t k) const;  // k must be one of the tracked values
  const Tensor& confusion() const { return confusion_; }
  ClassificationReport report(double zero_division = 0.0) const;
  // Every count the metrics come from, flat: count, the top-k hits (in top_k order), then the
  // confusion matrix row-major. Two accumulators' counts add elementwise into the counts of the
  // union of their samples: how data-parallel ranks merge theirs (dist/, one sum over ranks).
  std::vector<std::int64_t> counts() const;
  void set_counts(const std::vector<std::int64_t>& counts);  // the layout of counts()

 private:
  std::int64_t num_classes_;
  std::vector<std::int64_t> top_k_;
  std::vector<std::int64_t> top_k_hits_;
  std::int64_t count_ = 0;
  Tensor confusion_;  // int64 [C, C]
};

}  // namespace minidl::metrics
