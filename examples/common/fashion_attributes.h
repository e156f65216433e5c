// Tasks derived from Fashion-MNIST's ten classes for the margin-loss examples
// (examples/classification/): binary class pairs and a multi-label attribute task, plus the
// metrics they report. Header-only; every function is small and reads the labels directly.
//
// Attributes (K = 6), fixed per class, so the multi-label ground truth is exact; a class can have
// several attributes and the sets overlap in ways that make the labels correlated, as in real
// multi-label data:
//
//   attribute     classes                                       why
//   footwear      Sandal, Sneaker, Ankle boot                   worn on the feet
//   upper_body    T-shirt/top, Pullover, Dress, Coat, Shirt     covers the torso
//   lower_body    Trouser, Dress                                covers the legs
//   long_sleeves  Pullover, Coat, Shirt                         sleeves to the wrist (the typical
//                                                               Fashion-MNIST image of the class)
//   closed_shoe   Sneaker, Ankle boot                           footwear that covers the toes
//   carried       Bag                                           held, not worn
//
// Every class has at least one attribute; Dress is the one class with both upper_body and
// lower_body, Sneaker / Ankle boot and Pullover / Coat / Shirt share their attribute sets.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "tensor/error.h"
#include "tensor/ops.h"
#include "tensor/tensor.h"

namespace minidl::examples {

struct FashionAttribute {
  const char* name;
  std::vector<std::int64_t> classes;  // Fashion-MNIST labels that have it
};

inline const std::vector<FashionAttribute>& fashion_attributes() {
  static const std::vector<FashionAttribute> table = {
      {"footwear", {5, 7, 9}},     {"upper_body", {0, 2, 3, 4, 6}}, {"lower_body", {1, 3}},
      {"long_sleeves", {2, 4, 6}}, {"closed_shoe", {7, 9}},         {"carried", {8}},
  };
  return table;
}

// has[label][k]: class `label` has attribute k.
inline std::array<std::vector<bool>, 10> attribute_table() {
  std::array<std::vector<bool>, 10> has;
  const auto& attrs = fashion_attributes();
  for (auto& row : has) row.assign(attrs.size(), false);
  for (std::size_t k = 0; k < attrs.size(); ++k)
    for (std::int64_t c : attrs[k].classes) has[static_cast<std::size_t>(c)][k] = true;
  return has;
}

// Multi-hot targets float32 [N, K] (multilabel_soft_margin_loss, binary_cross_entropy).
inline Tensor attribute_multi_hot(const Tensor& labels) {
  const auto has = attribute_table();
  const std::int64_t n = labels.numel(), k = static_cast<std::int64_t>(fashion_attributes().size());
  Tensor out = zeros({n, k}, kFloat32);
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t c = labels.data<std::int64_t>()[i];
    for (std::int64_t a = 0; a < k; ++a) out.data<float>()[i * k + a] = has[c][a] ? 1.0f : 0.0f;
  }
  return out;
}

// Index lists int64 [N, K]: the attributes each sample has, then -1 padding
// (multilabel_margin_loss's target format).
inline Tensor attribute_index_lists(const Tensor& labels) {
  const auto has = attribute_table();
  const std::int64_t n = labels.numel(), k = static_cast<std::int64_t>(fashion_attributes().size());
  Tensor out = full({n, k}, -1.0, kInt64);
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t c = labels.data<std::int64_t>()[i];
    std::int64_t next = 0;
    for (std::int64_t a = 0; a < k; ++a)
      if (has[c][a]) out.data<std::int64_t>()[i * k + next++] = a;
  }
  return out;
}

// A binary task: the rows of x whose label is `positive` (target +1) or `negative` (-1).
struct BinaryTask {
  Tensor x;  // float32 [n, D]
  Tensor y;  // float32 [n, 1], -1 or +1
};
inline BinaryTask binary_pair(const Tensor& x, const Tensor& labels, std::int64_t positive,
                              std::int64_t negative) {
  std::vector<std::int64_t> keep;
  std::vector<float> y;
  for (std::int64_t i = 0; i < labels.numel(); ++i) {
    const std::int64_t c = labels.data<std::int64_t>()[i];
    if (c != positive && c != negative) continue;
    keep.push_back(i);
    y.push_back(c == positive ? 1.0f : -1.0f);
  }
  MINIDL_CHECK(!keep.empty(), "binary_pair: no samples of class ", positive, " or ", negative);
  const auto n = static_cast<std::int64_t>(keep.size());
  return {index_select(x, 0, from_vector(keep)), from_vector(y, {n, 1})};
}

// Fraction of samples where sign(score) equals the +-1 target (a score of 0 counts as wrong).
inline double sign_accuracy(const Tensor& scores, const Tensor& y) {
  const std::vector<double> s = scores.to_vector(), t = y.to_vector();
  std::int64_t right = 0;
  for (std::size_t i = 0; i < s.size(); ++i) right += s[i] * t[i] > 0 ? 1 : 0;
  return static_cast<double>(right) / static_cast<double>(s.size());
}

// Mean over the K attributes of each attribute's F1, predicting "has it" when score > threshold;
// an attribute with no positives and no predicted positives counts as F1 = 1.
inline double attribute_macro_f1(const Tensor& scores, const Tensor& multi_hot,
                                 double threshold = 0.0) {
  const std::int64_t n = scores.size(0), k = scores.size(1);
  const std::vector<double> s = scores.to_vector(), t = multi_hot.to_vector();
  double total = 0;
  for (std::int64_t a = 0; a < k; ++a) {
    double tp = 0, fp = 0, fn = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const bool pred = s[i * k + a] > threshold, truth = t[i * k + a] > 0.5;
      tp += pred && truth;
      fp += pred && !truth;
      fn += !pred && truth;
    }
    total += tp + fp + fn == 0 ? 1.0 : 2 * tp / (2 * tp + fp + fn);
  }
  return total / static_cast<double>(k);
}

// Ranking accuracy: over every sample and every (attribute it has, attribute it lacks) pair, the
// fraction where the attribute it has scores higher (ties count half). 1 - scikit-learn's
// label_ranking_loss averaged over pairs; threshold-free, as a margin ranking loss trains it.
inline double attribute_ranking_accuracy(const Tensor& scores, const Tensor& multi_hot) {
  const std::int64_t n = scores.size(0), k = scores.size(1);
  const std::vector<double> s = scores.to_vector(), t = multi_hot.to_vector();
  double right = 0, pairs = 0;
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < k; ++j)
      for (std::int64_t l = 0; l < k; ++l) {
        if (!(t[i * k + j] > 0.5 && t[i * k + l] < 0.5)) continue;
        pairs += 1;
        const double d = s[i * k + j] - s[i * k + l];
        right += d > 0 ? 1.0 : d == 0 ? 0.5 : 0.0;
      }
  return pairs > 0 ? right / pairs : 1.0;
}

}  // namespace minidl::examples
