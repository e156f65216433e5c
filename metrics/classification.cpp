#include "metrics/classification.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "tensor/ops.h"

namespace minidl::metrics {
namespace {

// labels int64 [N] with N > 0, every value in [0, num_classes) when num_classes > 0.
void check_labels(const char* op, const Tensor& labels, std::int64_t n, std::int64_t num_classes) {
  MINIDL_CHECK(labels.defined() && labels.dtype() == kInt64 && labels.dim() == 1, op,
               ": labels must be int64 [N], got ",
               labels.defined()
                   ? std::string(dtype_name(labels.dtype())) + " " + shape_str(labels.shape())
                   : std::string("an undefined tensor"));
  MINIDL_CHECK(labels.size(0) == n, op, ": ", n, " outputs but ", labels.size(0), " labels");
  if (num_classes <= 0) return;
  const std::int64_t* y = labels.data<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i)
    MINIDL_CHECK(y[i] >= 0 && y[i] < num_classes, op, ": label ", y[i], " at index ", i,
                 " is outside [0, ", num_classes, ")");
}

void check_scores(const char* op, const Tensor& scores) {
  MINIDL_CHECK(scores.defined() && scores.dim() == 2 && is_floating(scores.dtype()), op,
               ": scores must be float [N, C], got ",
               scores.defined()
                   ? std::string(dtype_name(scores.dtype())) + " " + shape_str(scores.shape())
                   : std::string("an undefined tensor"));
}

// Hits of "the true class ranks below k" for each k, with ties broken by class index.
std::vector<std::int64_t> top_k_hits(const char* op, const Tensor& scores, const Tensor& labels,
                                     const std::vector<std::int64_t>& ks) {
  check_scores(op, scores);
  const std::int64_t n = scores.size(0), c = scores.size(1);
  check_labels(op, labels, n, c);
  for (std::int64_t k : ks)
    MINIDL_CHECK(k >= 1 && k <= c, op, ": k must be in [1, ", c, "], got ", k);
  Tensor s64 = scores.to(kFloat64);
  const double* s = s64.data<double>();
  const std::int64_t* y = labels.data<std::int64_t>();
  std::vector<std::int64_t> hits(ks.size(), 0);
  for (std::int64_t i = 0; i < n; ++i) {
    const double* row = s + i * c;
    const double target = row[y[i]];
    std::int64_t rank = 0;
    for (std::int64_t j = 0; j < c; ++j)
      if (row[j] > target || (row[j] == target && j < y[i])) ++rank;
    for (std::size_t q = 0; q < ks.size(); ++q)
      if (rank < ks[q]) ++hits[q];
  }
  return hits;
}

// Mean of the non-NaN values, weighted (sklearn's _nanaverage); NaN when nothing is left.
double nan_average(const std::vector<double>& values, const std::vector<double>& weights) {
  double num = 0, den = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (std::isnan(values[i]) || weights[i] == 0) continue;
    num += weights[i] * values[i];
    den += weights[i];
  }
  return den > 0 ? num / den : std::numeric_limits<double>::quiet_NaN();
}

double ratio(std::int64_t num, std::int64_t den, double zero_division) {
  return den == 0 ? zero_division : static_cast<double>(num) / static_cast<double>(den);
}

}  // namespace

Tensor predicted_classes(const Tensor& outputs) {
  MINIDL_CHECK(outputs.defined(), "predicted_classes: outputs are undefined");
  if (outputs.dtype() == kInt64) {
    MINIDL_CHECK(outputs.dim() == 1, "predicted_classes: int64 predictions must be [N], got ",
                 shape_str(outputs.shape()));
    return outputs;
  }
  check_scores("predicted_classes", outputs);
  MINIDL_CHECK(outputs.size(1) > 0, "predicted_classes: scores have no classes, shape ",
               shape_str(outputs.shape()));
  return argmax(outputs, 1);
}

double accuracy(const Tensor& outputs, const Tensor& labels) {
  Tensor pred = predicted_classes(outputs);
  const std::int64_t n = pred.size(0);
  MINIDL_CHECK(n > 0, "accuracy: no samples");
  check_labels("accuracy", labels, n, 0);
  const std::int64_t* p = pred.data<std::int64_t>();
  const std::int64_t* y = labels.data<std::int64_t>();
  std::int64_t hits = 0;
  for (std::int64_t i = 0; i < n; ++i) hits += p[i] == y[i];
  return static_cast<double>(hits) / static_cast<double>(n);
}

double top_k_accuracy(const Tensor& scores, const Tensor& labels, std::int64_t k) {
  check_scores("top_k_accuracy", scores);
  MINIDL_CHECK(scores.size(0) > 0, "top_k_accuracy: no samples");
  auto hits = top_k_hits("top_k_accuracy", scores, labels, {k});
  return static_cast<double>(hits[0]) / static_cast<double>(scores.size(0));
}

Tensor confusion_matrix(const Tensor& outputs, const Tensor& labels, std::int64_t num_classes) {
  MINIDL_CHECK(num_classes > 0, "confusion_matrix: num_classes must be positive, got ",
               num_classes);
  if (outputs.defined() && outputs.dim() == 2)
    MINIDL_CHECK(outputs.size(1) == num_classes, "confusion_matrix: scores ",
                 shape_str(outputs.shape()), " do not have num_classes = ", num_classes,
                 " columns");
  Tensor pred = predicted_classes(outputs);
  const std::int64_t n = pred.size(0);
  check_labels("confusion_matrix", labels, n, num_classes);
  check_labels("confusion_matrix (predictions)", pred, n, num_classes);
  Tensor m = zeros({num_classes, num_classes}, kInt64);
  std::int64_t* pm = m.data<std::int64_t>();
  const std::int64_t* p = pred.data<std::int64_t>();
  const std::int64_t* y = labels.data<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) ++pm[y[i] * num_classes + p[i]];
  return m;
}

ClassificationReport classification_report(const Tensor& confusion, double zero_division) {
  MINIDL_CHECK(confusion.defined() && confusion.dtype() == kInt64 && confusion.dim() == 2 &&
                   confusion.size(0) == confusion.size(1) && confusion.size(0) > 0,
               "classification_report: needs an int64 [C, C] confusion matrix, got ",
               confusion.defined()
                   ? std::string(dtype_name(confusion.dtype())) + " " + shape_str(confusion.shape())
                   : std::string("an undefined tensor"));
  MINIDL_CHECK(zero_division == 0.0 || zero_division == 1.0 || std::isnan(zero_division),
               "classification_report: zero_division must be 0, 1 or NaN, got ", zero_division);
  const std::int64_t c = confusion.size(0);
  const std::int64_t* m = confusion.data<std::int64_t>();
  std::vector<std::int64_t> true_sum(c, 0), pred_sum(c, 0);
  std::int64_t total = 0, correct = 0;
  for (std::int64_t t = 0; t < c; ++t) {
    for (std::int64_t p = 0; p < c; ++p) {
      const std::int64_t v = m[t * c + p];
      MINIDL_CHECK(v >= 0, "classification_report: negative count ", v, " at [", t, ", ", p, "]");
      true_sum[t] += v;
      pred_sum[p] += v;
      total += v;
    }
    correct += m[t * c + t];
  }
  MINIDL_CHECK(total > 0, "classification_report: the confusion matrix is all zeros");

  ClassificationReport r;
  r.support = true_sum;
  r.accuracy = static_cast<double>(correct) / static_cast<double>(total);
  std::vector<double> present(c), support(c);
  for (std::int64_t k = 0; k < c; ++k) {
    const std::int64_t tp = m[k * c + k];
    r.precision.push_back(ratio(tp, pred_sum[k], zero_division));
    r.recall.push_back(ratio(tp, true_sum[k], zero_division));
    r.f1.push_back(ratio(2 * tp, true_sum[k] + pred_sum[k], zero_division));
    present[k] = (true_sum[k] + pred_sum[k]) > 0 ? 1.0 : 0.0;
    support[k] = static_cast<double>(true_sum[k]);
  }
  r.macro_precision = nan_average(r.precision, present);
  r.macro_recall = nan_average(r.recall, present);
  r.macro_f1 = nan_average(r.f1, present);
  r.weighted_precision = nan_average(r.precision, support);
  r.weighted_recall = nan_average(r.recall, support);
  r.weighted_f1 = nan_average(r.f1, support);
  return r;
}

double macro_f1(const Tensor& outputs, const Tensor& labels, std::int64_t num_classes,
                double zero_division) {
  return classification_report(confusion_matrix(outputs, labels, num_classes), zero_division)
      .macro_f1;
}

double weighted_f1(const Tensor& outputs, const Tensor& labels, std::int64_t num_classes,
                   double zero_division) {
  return classification_report(confusion_matrix(outputs, labels, num_classes), zero_division)
      .weighted_f1;
}

// ---------------------------------------------------------------- ClassificationAccumulator

ClassificationAccumulator::ClassificationAccumulator(std::int64_t num_classes,
                                                     std::vector<std::int64_t> top_k)
    : num_classes_(num_classes), top_k_(std::move(top_k)) {
  MINIDL_CHECK(num_classes > 0, "ClassificationAccumulator: num_classes must be positive, got ",
               num_classes);
  for (std::int64_t k : top_k_)
    MINIDL_CHECK(k >= 1 && k <= num_classes, "ClassificationAccumulator: top-k k must be in [1, ",
                 num_classes, "], got ", k);
  reset();
}

void ClassificationAccumulator::reset() {
  count_ = 0;
  top_k_hits_.assign(top_k_.size(), 0);
  confusion_ = zeros({num_classes_, num_classes_}, kInt64);
}

void ClassificationAccumulator::update(const Tensor& outputs, const Tensor& labels) {
  if (!top_k_.empty()) {
    MINIDL_CHECK(outputs.defined() && outputs.dim() == 2,
                 "ClassificationAccumulator: top-k accuracy needs scores [B, C], got ",
                 outputs.defined() ? shape_str(outputs.shape()) : std::string("undefined"));
  }
  // Validates both tensors before anything is counted, so a bad batch changes nothing.
  Tensor batch = confusion_matrix(outputs, labels, num_classes_);
  std::vector<std::int64_t> hits;
  if (!top_k_.empty()) hits = top_k_hits("ClassificationAccumulator", outputs, labels, top_k_);
  add_(confusion_, batch);
  for (std::size_t q = 0; q < hits.size(); ++q) top_k_hits_[q] += hits[q];
  count_ += labels.size(0);
}

double ClassificationAccumulator::accuracy() const {
  MINIDL_CHECK(count_ > 0, "ClassificationAccumulator: accuracy of no samples");
  const std::int64_t* m = confusion_.data<std::int64_t>();
  std::int64_t correct = 0;
  for (std::int64_t k = 0; k < num_classes_; ++k) correct += m[k * num_classes_ + k];
  return static_cast<double>(correct) / static_cast<double>(count_);
}

double ClassificationAccumulator::top_k_accuracy(std::int64_t k) const {
  MINIDL_CHECK(count_ > 0, "ClassificationAccumulator: top-", k, " accuracy of no samples");
  for (std::size_t q = 0; q < top_k_.size(); ++q)
    if (top_k_[q] == k) return static_cast<double>(top_k_hits_[q]) / static_cast<double>(count_);
  MINIDL_FAIL("ClassificationAccumulator: top-", k,
              " accuracy was not tracked (pass k to the constructor)");
}

ClassificationReport ClassificationAccumulator::report(double zero_division) const {
  MINIDL_CHECK(count_ > 0, "ClassificationAccumulator: report of no samples");
  return classification_report(confusion_, zero_division);
}

std::vector<std::int64_t> ClassificationAccumulator::counts() const {
  std::vector<std::int64_t> out{count_};
  out.insert(out.end(), top_k_hits_.begin(), top_k_hits_.end());
  const std::vector<std::int64_t> m = confusion_.values<std::int64_t>();
  out.insert(out.end(), m.begin(), m.end());
  return out;
}

void ClassificationAccumulator::set_counts(const std::vector<std::int64_t>& counts) {
  const std::size_t k = top_k_hits_.size(), cc = static_cast<std::size_t>(confusion_.numel());
  MINIDL_CHECK(counts.size() == 1 + k + cc,
               "ClassificationAccumulator::set_counts: ", counts.size(), " values, expected ",
               1 + k + cc, " (count, ", k, " top-k hits, a ", num_classes_, " x ", num_classes_,
               " confusion matrix)");
  count_ = counts[0];
  std::copy(counts.begin() + 1, counts.begin() + 1 + static_cast<std::ptrdiff_t>(k),
            top_k_hits_.begin());
  std::copy(counts.begin() + 1 + static_cast<std::ptrdiff_t>(k), counts.end(),
            confusion_.data<std::int64_t>());
}

}  // namespace minidl::metrics
