// The training run the Fashion-MNIST attribute examples (examples/classification/
// {binary_cross_entropy_with_logits,multilabel_soft_margin,multilabel_margin}_loss.cpp) share: a
// 784-128-K MLP over the K attributes of fashion_attributes.h, Adam (lr 1e-3) on batches of 64,
// options.epochs epochs (2 in quick mode), two test figures computed from the test scores before
// and after. Each example keeps its targets, its loss, its figures and what it prints.
#pragma once

#include <cstdint>
#include <functional>
#include <utility>

#include "examples/common/example.h"
#include "train/fit.h"

namespace minidl::examples {

// Two figures of the scores [N_test, K] of the test images (the second may be 0 if unused).
using AttributeMetrics = std::function<std::pair<double, double>(const Tensor& test_scores)>;

struct AttributeFit {
  std::int64_t epochs = 0;  // the epochs run
  std::int64_t k = 0;       // the number of attributes
  std::pair<double, double> before, after;
};

// Trains on (f.x_train, train_targets) with `loss`, the model and batch order from options.seed.
AttributeFit fit_attribute_mlp(const ExampleOptions& options, const Fashion& f,
                               const Tensor& train_targets, const train::LossFn& loss,
                               const AttributeMetrics& metrics);

}  // namespace minidl::examples
