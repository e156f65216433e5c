#include "examples/common/calibration_arm.h"

#include <cstdio>

#include "autograd/ops.h"
#include "data/loader.h"
#include "losses/classification.h"
#include "losses/probabilistic.h"
#include "nn/activation.h"
#include "nn/mc_predict.h"
#include "optim/adam.h"
#include "tensor/ops.h"
#include "train/fit.h"
#include "train/reliability_plot.h"

namespace minidl::examples {
namespace {

constexpr std::int64_t kBins = 15;

Variable softmax1(const Variable& logits) { return softmax(logits, 1); }

void train_model(nn::Module& model, const Fashion& f, const CalibrationArmOptions& o,
                 std::uint64_t seed, const train::LossFn& loss) {
  optim::Adam adam(model.parameters(), {.lr = 1e-3});
  data::DataLoader loader(f.x_train, f.y_train, {.batch_size = 128, .shuffle = true, .seed = seed});
  train::fit(model, adam, loader,
             {.epochs = o.epochs, .loss_fn = loss, .metrics = {}, .verbose = 0});
}

Tensor eval_probabilities(nn::Module& model, const Tensor& x) {
  return softmax(train::predict(model, x), 1).to(kFloat64);
}

}  // namespace

std::shared_ptr<nn::Sequential> bayes_mlp(const std::vector<std::int64_t>& sizes, Generator& gen,
                                          const nn::BayesLinearOptions& options) {
  auto model = std::make_shared<nn::Sequential>();
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    model->add(std::make_shared<nn::BayesLinear>(sizes[i], sizes[i + 1], gen, options));
    if (i + 2 < sizes.size()) model->add(std::make_shared<nn::ReLU>());
  }
  return model;
}

std::vector<CalibrationRow> run_calibration_arm(const Fashion& f, const CalibrationArmOptions& o) {
  const std::vector<std::int64_t> sizes = {784, o.hidden, 10};
  std::vector<CalibrationRow> rows;
  const auto ce = [](const Variable& logits, const Tensor& y) {
    return losses::cross_entropy(logits, Variable(y));
  };
  // plain and the ensemble: member 0 is the plain network.
  Tensor ensemble_sum;
  for (std::int64_t m = 0; m < o.members; ++m) {
    Generator gen(o.seed + 100 * static_cast<std::uint64_t>(m));
    auto model = mlp(sizes, gen);
    train_model(*model, f, o, o.seed + static_cast<std::uint64_t>(m), ce);
    const Tensor p = eval_probabilities(*model, f.x_test);
    if (m == 0) rows.push_back({"plain network", metrics::calibration(p, f.y_test, kBins)});
    ensemble_sum = m == 0 ? p : add(ensemble_sum, p);
  }
  {
    Generator gen(o.seed);
    auto model = mlp(sizes, gen, o.dropout);
    train_model(*model, f, o, o.seed, ce);
    const nn::McPrediction p =
        nn::mc_predict(*model, f.x_test, {.passes = o.passes, .transform = softmax1});
    rows.push_back({"MC dropout", metrics::calibration(p.mean, f.y_test, kBins)});
  }
  {
    Generator gen(o.seed);
    auto model = bayes_mlp(sizes, gen, {.prior_sigma = o.prior_sigma});
    const double n = static_cast<double>(f.y_train.numel());
    train_model(*model, f, o, o.seed, [&](const Variable& logits, const Tensor& y) {
      return losses::elbo_loss(logits, Variable(y), nn::bayes_kl(*model),
                               {.kl_weight = o.kl_weight, .dataset_size = n});
    });
    const nn::McPrediction p =
        nn::mc_predict(*model, f.x_test, {.passes = o.passes, .transform = softmax1});
    rows.push_back({"Bayesian (BayesLinear)", metrics::calibration(p.mean, f.y_test, kBins)});
  }
  rows.push_back({"deep ensemble of " + std::to_string(o.members),
                  metrics::calibration(mul(ensemble_sum, 1.0 / static_cast<double>(o.members)),
                                       f.y_test, kBins)});
  std::printf(
      "calibration on %lld Fashion-MNIST test images (%lld train, %lld epochs, T = %lld):\n",
      static_cast<long long>(f.y_test.numel()), static_cast<long long>(f.y_train.numel()),
      static_cast<long long>(o.epochs), static_cast<long long>(o.passes));
  std::printf("  %-24s %8s %8s %8s %8s %8s\n", "method", "accuracy", "NLL", "Brier", "ECE", "MCE");
  for (const CalibrationRow& r : rows) {
    const metrics::Calibration& c = r.calibration;
    std::printf("  %-24s %8.4f %8.4f %8.4f %8.4f %8.4f\n", r.method.c_str(), c.accuracy, c.nll,
                c.brier, c.ece, c.mce);
  }
  return rows;
}

void plot_calibration_arm(const std::vector<CalibrationRow>& rows, const std::string& png_path) {
  std::vector<train::ReliabilityCurve> curves;
  for (const CalibrationRow& r : rows) curves.push_back({r.method, r.calibration});
  train::plot_reliability(curves, png_path,
                          {.title = "Fashion-MNIST reliability diagram (15 bins)"});
}

}  // namespace minidl::examples
