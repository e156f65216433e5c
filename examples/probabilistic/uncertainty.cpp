// uncertainty study: MC-dropout regression trained with gaussian_nll_loss (Gal & Ghahramani 2016;
// Kendall & Gal 2017 for the variance head), and where its predictive band widens.
//
// The task (generated, so anyone can reproduce it): y = sin(2 x) + 0.25 x + e, e ~ N(0, 0.15^2),
// with training inputs x ~ U([-4, -1] u [1, 4]): nothing is seen in the gap (-1, 1). Test inputs
// cover [-4, 4], gap included.
// A 1-128-128-2 MLP with dropout 0.1 after each hidden layer outputs a mean and a raw variance
// (var = softplus(raw)), trained with gaussian_nll_loss: the variance head learns the noise
// (aleatoric uncertainty). At prediction time dropout stays on: T = 50 stochastic passes give
// means m_t and variances v_t, and the predictive distribution is taken as a Gaussian with
//   mean = (1/T) sum_t m_t,   total variance = (1/T) sum_t v_t  +  (1/T) sum_t (m_t - mean)^2
// (aleatoric + epistemic: the passes disagree where the data said nothing). Printed: the test
// NLL of that Gaussian and the coverage of mean +- 2 std (ideally 0.954), before and after
// training, the same on the data and in the gap separately, and the mean predictive std on the
// data, in the gap and beyond the data. The band mean +- 2 std over [-5, 5] with the training
// points and the true curve is written to <out>/uncertainty.png (PLplot, train/band_plot.h).
// What it shows: the band widens beyond the data, but only a little inside the gap, where the
// mean is also least accurate. MC dropout is known to under-estimate this "in-between"
// uncertainty (Foong et al. 2019); the per-region numbers make that visible.
//
//   uncertainty [--quick] [--epochs N] [--out DIR] [--seed S]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numbers>

#include "autograd/functional.h"
#include "autograd/tape.h"
#include "data/loader.h"
#include "examples/common/calibration_arm.h"
#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "losses/probabilistic.h"
#include "nn/mc_predict.h"
#include "optim/adam.h"
#include "train/band_plot.h"
#include "train/fit.h"

using namespace minidl;

namespace {

constexpr double kNoise = 0.15;
constexpr std::int64_t kPasses = 50;       // stochastic passes per test prediction
constexpr std::int64_t kBandPasses = 200;  // for the plotted band (a smoother estimate)

double truth(double x) { return std::sin(2 * x) + 0.25 * x; }

// n training points with x in [-4, -1] u [1, 4]: [n, 1] each.
std::pair<Tensor, Tensor> make_train(std::int64_t n, Generator& gen) {
  Tensor u = rand({n, 1}, gen, kFloat32, -3.0, 3.0);  // the gap squeezed out, then put back
  Tensor e = randn({n, 1}, gen, kFloat32, 0.0, kNoise);
  Tensor x = empty({n, 1}), y = empty({n, 1});
  for (std::int64_t i = 0; i < n; ++i) {
    const double ui = u.data<float>()[i], xi = ui < 0 ? ui - 1 : ui + 1;
    x.data<float>()[i] = static_cast<float>(xi);
    y.data<float>()[i] = static_cast<float>(truth(xi) + e.data<float>()[i]);
  }
  return {x, y};
}

std::pair<Tensor, Tensor> make_test(std::int64_t n, Generator& gen) {
  Tensor x = rand({n, 1}, gen, kFloat32, -4.0, 4.0);
  Tensor e = randn({n, 1}, gen, kFloat32, 0.0, kNoise);
  Tensor y = empty({n, 1});
  for (std::int64_t i = 0; i < n; ++i)
    y.data<float>()[i] = static_cast<float>(truth(x.data<float>()[i]) + e.data<float>()[i]);
  return {x, y};
}

std::pair<Variable, Variable> heads(const Variable& out) {
  return {slice(out, 1, 0, 1), softplus(slice(out, 1, 1, 2))};
}

struct Predictive {
  std::vector<double> mean, var, epistemic;  // per input
};

// `passes` stochastic passes (nn::mc_predict: dropout on, nothing recorded) of the two heads: the
// mean over passes of [m_t, v_t], and the passes' variance of m_t (the epistemic part).
Predictive predictive(nn::Module& model, const Tensor& x, std::int64_t passes = kPasses) {
  const nn::McPrediction p =
      nn::mc_predict(model, x, {.passes = passes, .transform = [](const Variable& out) {
                                  auto [m, v] = heads(out);
                                  return concat({m, v}, 1);
                                }});
  const std::int64_t n = x.size(0);
  Predictive out{std::vector<double>(n), std::vector<double>(n), std::vector<double>(n)};
  const double *mean = p.mean.data<double>(), *var = p.var.data<double>();
  for (std::int64_t i = 0; i < n; ++i) {
    out.mean[i] = mean[2 * i];
    out.epistemic[i] = var[2 * i];
    out.var[i] = mean[2 * i + 1] + out.epistemic[i];
  }
  return out;
}

struct Scores {
  double nll = 0, coverage = 0;
};

// Gaussian NLL and coverage of mean +- 2 std over the test points with |x| in [lo, hi).
Scores score(const Predictive& p, const Tensor& x, const Tensor& y, double lo = 0,
             double hi = INFINITY) {
  Scores s;
  double n = 0;
  for (std::int64_t i = 0; i < y.numel(); ++i) {
    const double a = std::abs(x.data<float>()[i]);
    if (a < lo || a >= hi) continue;
    const double v = std::max(p.var[i], 1e-6), d = y.data<float>()[i] - p.mean[i];
    s.nll += 0.5 * (std::log(2 * std::numbers::pi * v) + d * d / v);
    s.coverage += std::abs(d) <= 2 * std::sqrt(v);
    ++n;
  }
  s.nll /= n;
  s.coverage /= n;
  return s;
}

// Mean predictive std over the inputs whose |x| lies in [lo, hi).
double mean_std(const Predictive& p, const Tensor& x, double lo, double hi) {
  double total = 0, count = 0;
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const double a = std::abs(x.data<float>()[i]);
    if (a < lo || a >= hi) continue;
    total += std::sqrt(p.var[i]);
    ++count;
  }
  return count > 0 ? total / count : 0.0;
}

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "uncertainty", .epochs = 300, .uses_fashion = true};
  examples::Flags app{
      "minidl study: MC-dropout regression with gaussian_nll_loss and a gap in the data"};
  examples::add_standard_flags(app, opt);
  std::int64_t calibration_epochs = 20;
  examples::FlagOption* calibration_flag =
      app.add_option("--calibration-epochs", calibration_epochs,
                     "epochs of each classifier of the calibration arm (quick mode: 2)")
          ->capture_default_str();
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    // A budget flag, like --epochs: quick mode fixes its own rather than ignoring it silently.
    MINIDL_CHECK(!opt.quick || calibration_flag->count() == 0,
                 "uncertainty: --calibration-epochs is a full-mode budget; --quick fixes its own");
    const std::int64_t epochs = opt.quick ? 40 : opt.epochs;
    Generator gen(opt.seed);
    auto [x_train, y_train] = make_train(opt.quick ? 500 : 1000, gen);
    auto [x_test, y_test] = make_test(2000, gen);
    auto model = examples::mlp({1, 128, 128, 2}, gen, /*dropout=*/0.1);
    optim::Adam adam(model->parameters(), {.lr = 3e-3});
    data::DataLoader loader(x_train, y_train,
                            {.batch_size = 64, .shuffle = true, .seed = opt.seed});
    const Scores before = score(predictive(*model, x_test), x_test, y_test);
    train::fit(*model, adam, loader,
               {.epochs = epochs,
                .loss_fn =
                    [](const Variable& out, const Tensor& y) {
                      auto [mean, var] = heads(out);
                      return losses::gaussian_nll_loss(mean, Variable(y), var);
                    },
                .metrics = {},
                .verbose = 0});
    const Predictive test_pred = predictive(*model, x_test);
    const Scores after = score(test_pred, x_test, y_test);
    const Scores gap = score(test_pred, x_test, y_test, 0.0, 1.0);
    const Scores data = score(test_pred, x_test, y_test, 1.0);

    // The band over [-5, 5], beyond the data on both sides.
    const Tensor grid = linspace(-5.0, 5.0, 401).reshape({401, 1});
    const Predictive band_pred = predictive(*model, grid, kBandPasses);
    train::Band band;
    for (std::int64_t i = 0; i < grid.numel(); ++i) {
      const double gx = grid.data<float>()[i], sd = std::sqrt(band_pred.var[i]);
      band.x.push_back(gx);
      band.mean.push_back(band_pred.mean[i]);
      band.lower.push_back(band_pred.mean[i] - 2 * sd);
      band.upper.push_back(band_pred.mean[i] + 2 * sd);
      band.truth.push_back(truth(gx));
    }
    std::filesystem::create_directories(opt.out_dir);
    const std::string png = opt.out_dir + "/uncertainty.png";
    train::plot_band(x_train.to(kFloat64).to_vector(), y_train.to(kFloat64).to_vector(), band, png,
                     {.title = "MC dropout + gaussian_nll_loss: predictive mean +- 2 std"});

    const double on_data = mean_std(band_pred, grid, 1.0, 4.0);
    const double in_gap = mean_std(band_pred, grid, 0.0, 1.0);
    const double beyond = mean_std(band_pred, grid, 4.0, 5.1);
    std::printf(
        "test NLL %.4f -> %.4f, coverage of mean +- 2 std %.3f -> %.3f (ideal 0.954) "
        "after %lld epochs\n",
        before.nll, after.nll, before.coverage, after.coverage, static_cast<long long>(epochs));
    std::printf(
        "predictive std: on the data %.3f (noise %.2f), in the gap %.3f, beyond the "
        "data %.3f\n",
        on_data, kNoise, in_gap, beyond);
    std::printf(
        "test points on the data: NLL %.4f, coverage %.3f; in the gap: NLL %.4f, "
        "coverage %.3f\n",
        data.nll, data.coverage, gap.nll, gap.coverage);
    std::printf("band plot: %s\n", png.c_str());

    // The calibration arm: Fashion-MNIST classifiers.
    const examples::Fashion f = examples::load_fashion(opt, 3000, 2000);
    const std::vector<examples::CalibrationRow> rows =
        examples::run_calibration_arm(f, {.epochs = opt.quick ? 2 : calibration_epochs,
                                          .passes = opt.quick ? 10 : 30,
                                          .seed = opt.seed});
    const std::string reliability = opt.out_dir + "/reliability.png";
    examples::plot_calibration_arm(rows, reliability);
    std::printf("reliability diagram: %s\n", reliability.c_str());
    std::map<std::string, double> extras;
    for (const examples::CalibrationRow& r : rows) {
      extras["ECE " + r.method] = r.calibration.ece;
      extras["NLL " + r.method] = r.calibration.nll;
      extras["accuracy " + r.method] = r.calibration.accuracy;
    }
    char detail[200];
    std::snprintf(detail, sizeof detail,
                  "coverage %.3f -> %.3f (gap %.3f); std on data %.3f, in gap %.3f, beyond %.3f",
                  before.coverage, after.coverage, gap.coverage, on_data, in_gap, beyond);
    return examples::report({.example = opt.name,
                             .loss = "",
                             .family = "probabilistic",
                             .metric = "test NLL (MC dropout)",
                             .before = before.nll,
                             .after = after.nll,
                             .higher_is_better = false,
                             .detail = detail,
                             .extras = extras},
                            opt);
  });
}
