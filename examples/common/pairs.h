// Same/different image pairs for the pair-based examples (ranking and verification), and the
// verification accuracy of a pair score at its best threshold.
#pragma once

#include <cstdint>
#include <vector>

#include "tensor/random.h"
#include "tensor/tensor.h"

namespace minidl::examples {

// Pairs of sample indices a, b [n] (int64) with labels y [n] (float32: +1 same class, -1
// different), alternating same and different.
struct Pairs {
  Tensor a, b, y;
};

class PairSampler {
 public:
  // labels: int64 [N] class indices in [0, num_classes); every class must have a sample.
  PairSampler(const Tensor& labels, std::int64_t num_classes = 10);
  // a uniform; b uniform within a's class (even k) or within another uniformly chosen class.
  Pairs sample(std::int64_t n, Generator& gen) const;

 private:
  Tensor labels_;
  std::vector<std::vector<std::int64_t>> by_class_;
};

// The best accuracy of "similar iff score < t" (higher_is_similar = false, e.g. a distance) or
// "similar iff score > t" (true, e.g. a cosine) over every threshold t; y holds +1 / -1.
double best_threshold_accuracy(const std::vector<double>& score, const std::vector<float>& y,
                               bool higher_is_similar);

}  // namespace minidl::examples
