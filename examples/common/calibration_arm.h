// The calibration arm of the uncertainty study (examples/probabilistic/uncertainty.cpp), and the
// Bayesian MLP it shares with the elbo_loss example.
//
// Four Fashion-MNIST classifiers of the same 784-hidden-10 shape, same data and budget:
//   plain        one network, softmax of its logits (the baseline)
//   MC dropout   dropout p after the hidden layer, kept on at test time: the mean of T softmaxes
//                (nn::mc_predict; Gal & Ghahramani 2016)
//   Bayesian     BayesLinear layers trained on the negative ELBO (losses::elbo_loss, Bayes by
//                backprop), the mean of T softmaxes over weight samples
//   ensemble     5 plain networks from different seeds, the mean of their softmaxes (deep
//                ensembles, Lakshminarayanan et al. 2017)
// Each is scored on the test set by metrics::calibration: accuracy, NLL, Brier, ECE and MCE over
// 15 bins, and the reliability curves go to one PNG (train/reliability_plot.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "examples/common/example.h"
#include "metrics/calibration.h"
#include "nn/bayes_linear.h"
#include "nn/sequential.h"

namespace minidl::examples {

// sizes[0] -> ... -> sizes.back() with BayesLinear layers and ReLU between them.
std::shared_ptr<nn::Sequential> bayes_mlp(const std::vector<std::int64_t>& sizes, Generator& gen,
                                          const nn::BayesLinearOptions& options = {});

struct CalibrationArmOptions {
  std::int64_t epochs = 5;
  std::int64_t hidden = 128;
  std::int64_t passes = 30;  // T for MC dropout and the Bayesian network
  std::int64_t members = 5;  // ensemble size
  double dropout = 0.25;
  double prior_sigma = 0.1;  // BayesLinear's prior
  double kl_weight = 1.0;    // beta of the ELBO
  std::uint64_t seed = 0;
};

struct CalibrationRow {
  std::string method;
  metrics::Calibration calibration;
};

// Trains the four models on f's training split and scores them on its test split; prints a table.
std::vector<CalibrationRow> run_calibration_arm(const Fashion& f,
                                                const CalibrationArmOptions& options);

// The reliability diagram of the rows to png_path.
void plot_calibration_arm(const std::vector<CalibrationRow>& rows, const std::string& png_path);

}  // namespace minidl::examples
