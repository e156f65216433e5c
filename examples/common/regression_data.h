// Generated regression tasks shared by the regression loss examples (examples/regression/), the
// small training loop they all use, and the whole run of the robust-loss examples (l1, huber,
// smooth_l1, log_cosh), so each example shows only its data, its loss and its metric.
//
// The clean function (the same as mse_loss's example): x ~ U[-2, 2]^2,
//   f(x) = sin(2 x1) + 0.5 x2^2
// Contaminated training targets (make_outlier_regression):
//   y = f(x) + N(0, noise_std^2)                        with probability 1 - outlier_fraction
//   y = f(x) + N(0, noise_std^2) + U[outlier_low, outlier_high]          otherwise
// The gross errors are one-sided, like a sensor that now and then reads far too high: the
// conditional mean of y is shifted by about outlier_fraction * (outlier_low + outlier_high) / 2,
// so a squared-error fit is pulled up by that much everywhere, while a loss whose pull is bounded
// (l1, huber, smooth_l1, log_cosh) stays near f. The test sets carry the clean f(x), so the
// metric (mean absolute error against f) measures how well the underlying function was
// recovered, not how well the corruption was reproduced.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "nn/sequential.h"
#include "tensor/random.h"
#include "tensor/tensor.h"
#include "train/fit.h"

namespace minidl::examples {

// x [n, 2], y [n, 1] (the targets to train on), clean [n, 1] (the quantity to recover); float32.
struct RegressionSet {
  Tensor x, y, clean;
};

struct OutlierOptions {
  double noise_std = 0.1;
  double outlier_fraction = 0.1;
  double outlier_low = 3.0;
  double outlier_high = 10.0;
};

// n points of the contaminated task above; clean = f(x).
RegressionSet make_outlier_regression(std::int64_t n, Generator& gen,
                                      const OutlierOptions& options = {});

// f(x) = sin(2 x1) + 0.5 x2^2 for the rows of x [n, 2], as [n, 1] float32.
Tensor clean_function(const Tensor& x);

// mean |a_i - b_i| over two tensors of the same shape.
double mean_abs_diff(const Tensor& a, const Tensor& b);

struct RegressorOptions {
  std::int64_t epochs = 10;
  std::int64_t hidden = 64;  // a 2-hidden-64-hidden-1 ReLU MLP
  double lr = 3e-3;          // Adam, cosine-annealed to 0 over the run (per batch)
  std::int64_t batch_size = 64;
  std::uint64_t seed = 0;  // initialisation and shuffling
};

// Trains an MLP on (x, y) with loss_fn and returns it. The same seed gives the same initial
// weights and batch order, so two losses compared with it differ only in the loss.
std::shared_ptr<nn::Sequential> fit_regressor(const Tensor& x, const Tensor& y,
                                              const train::LossFn& loss_fn,
                                              const RegressorOptions& options);

// The untrained model fit_regressor starts from (for the metric before training).
std::shared_ptr<nn::Sequential> initial_regressor(std::int64_t in_features,
                                                  const RegressorOptions& options);

struct ExampleOptions;

// One robust-loss example (examples/regression/{l1,huber,smooth_l1,log_cosh}_loss.cpp).
struct OutlierExample {
  std::string loss;   // registry name, for the report
  std::string label;  // how the printed line names it, e.g. "huber_loss(delta 0.135)"
  train::LossFn loss_fn;
  std::string mse_note = "";  // printed after mse_loss's figure
};

// The run those examples share: 20,000 contaminated training points (6,000 in quick mode) and
// 2,000 test points from one Generator(seed), the same MLP trained with the loss and with
// mse_loss for options.epochs (20 in quick mode), test MAE against the clean f(x) before and
// after, printed and reported (mse_loss's MAE in the detail line). Returns the exit code.
int run_outlier_example(const ExampleOptions& options, const OutlierExample& example);

}  // namespace minidl::examples
