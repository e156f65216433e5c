// Monte Carlo prediction: T stochastic forward passes of a model in training mode (dropout
// masks, Bayesian layers' weight samples), summarised by their mean and variance per output
// element. Gal & Ghahramani 2016 ("Dropout as a Bayesian approximation"): with dropout left on,
// the passes are samples from an approximate posterior predictive, so
//
//   mean = (1/T) sum_t f_t(x),    var = (1/T) sum_t (f_t(x) - mean)^2
//
// (the population variance of the T passes: the epistemic part, the passes disagreeing where
// the data said little). `transform` maps each pass's output first: softmax for a classifier
// (the predictive probabilities are the mean of the per-pass softmaxes, not the softmax of the
// mean logits), or a regression head's mean and variance. Nothing is recorded (no_grad), the
// variance is accumulated by Welford's update in float64 (E[f^2] - mean^2 cancels), and the
// model's training flags are restored afterwards.
//
// Shapes: x is whatever the model takes; mean and var have the (transformed) output's shape and
// are float64.
#pragma once

#include <cstdint>
#include <functional>

#include "nn/module.h"

namespace minidl::nn {

struct McPredictOptions {
  std::int64_t passes = 50;  // T >= 1
  // Applied to each pass's output before averaging (empty: the identity).
  std::function<Variable(const Variable&)> transform = nullptr;
};

struct McPrediction {
  Tensor mean, var;  // float64, the output's shape
  std::int64_t passes = 0;
};

McPrediction mc_predict(Module& model, const Tensor& x, const McPredictOptions& options = {});

}  // namespace minidl::nn
