// gaussian_nll_loss example: heteroscedastic regression, predicting a mean and a variance.
//
// The task (generated, so anyone can reproduce it): x ~ U[-3, 3],
//   y = sin(1.5 x) + 0.3 x + sigma(x) e,   sigma(x) = 0.05 + 0.15 |x|,   e ~ N(0, 1)
// so the noise grows tenfold from the centre to the edges. A 1-64-64-2 MLP outputs a mean and a
// raw variance; var = softplus(raw) keeps it positive. The Gaussian negative log-likelihood is
// the loss for this: the squared error would fit the mean only, and weights every point alike
// although the edges are far noisier; the NLL learns var(x) = E[(y - mean)^2 | x] and scales
// each point's error by it.
// Metric: the test Gaussian NLL (full, per point), lower is better; the coverage of the 90%
// interval mean +- 1.645 sqrt(var) (ideally 0.90) is printed beside it, with the NLL of the true
// mean and sigma (the floor).
//
//   gaussian_nll_loss [--quick] [--epochs N] [--out DIR] [--seed S]
#include <cmath>
#include <cstdio>
#include <numbers>

#include "autograd/functional.h"
#include "data/loader.h"
#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "losses/probabilistic.h"
#include "optim/adam.h"
#include "train/fit.h"

using namespace minidl;

namespace {

double true_mean(double x) { return std::sin(1.5 * x) + 0.3 * x; }
double true_sigma(double x) { return 0.05 + 0.15 * std::abs(x); }

std::pair<Tensor, Tensor> make_data(std::int64_t n, Generator& gen) {
  Tensor x = rand({n, 1}, gen, kFloat32, -3.0, 3.0);
  Tensor e = randn({n, 1}, gen);
  Tensor y = empty({n, 1});
  for (std::int64_t i = 0; i < n; ++i) {
    const double xi = x.data<float>()[i];
    y.data<float>()[i] = static_cast<float>(true_mean(xi) + true_sigma(xi) * e.data<float>()[i]);
  }
  return {x, y};
}

// The two heads of an output [B, 2]: mean [B, 1] and var = softplus(raw) [B, 1].
std::pair<Variable, Variable> heads(const Variable& out) {
  return {slice(out, 1, 0, 1), softplus(slice(out, 1, 1, 2))};
}

struct Scores {
  double nll = 0, coverage90 = 0;
};

// Gaussian NLL (with the 0.5 log 2 pi constant) and 90% coverage of means and variances.
Scores score(const std::vector<double>& mean, const std::vector<double>& var, const Tensor& y) {
  Scores s;
  const double n = static_cast<double>(y.numel());
  for (std::int64_t i = 0; i < y.numel(); ++i) {
    const double v = std::max(var[i], 1e-6), d = y.data<float>()[i] - mean[i];
    s.nll += 0.5 * (std::log(2 * std::numbers::pi * v) + d * d / v) / n;
    s.coverage90 += (std::abs(d) <= 1.6449 * std::sqrt(v)) / n;
  }
  return s;
}

Scores score_model(nn::Module& model, const Tensor& x, const Tensor& y) {
  const Tensor out = train::predict(model, x);
  auto [mean, var] = heads(Variable(out));
  return score(mean.value().to(kFloat64).to_vector(), var.value().to(kFloat64).to_vector(), y);
}

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "gaussian_nll_loss", .epochs = 60};
  examples::Flags app{
      "minidl example: gaussian_nll_loss, heteroscedastic regression (mean + variance)"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    const std::int64_t epochs = opt.quick ? 12 : opt.epochs;
    Generator gen(opt.seed);
    auto [x_train, y_train] = make_data(opt.quick ? 2000 : 10000, gen);
    auto [x_test, y_test] = make_data(4000, gen);
    auto model = examples::mlp({1, 64, 64, 2}, gen);
    optim::Adam adam(model->parameters(), {.lr = 3e-3});
    data::DataLoader loader(x_train, y_train,
                            {.batch_size = 64, .shuffle = true, .seed = opt.seed});
    const Scores before = score_model(*model, x_test, y_test);
    train::fit(*model, adam, loader,
               {.epochs = epochs,
                .loss_fn =
                    [](const Variable& out, const Tensor& y) {
                      auto [mean, var] = heads(out);
                      return losses::gaussian_nll_loss(mean, Variable(y), var);
                    },
                .metrics = {},
                .verbose = 0});
    const Scores after = score_model(*model, x_test, y_test);
    std::vector<double> mu, var;
    for (std::int64_t i = 0; i < x_test.numel(); ++i) {
      mu.push_back(true_mean(x_test.data<float>()[i]));
      var.push_back(std::pow(true_sigma(x_test.data<float>()[i]), 2));
    }
    std::printf("test Gaussian NLL %.4f -> %.4f after %lld epochs (true mean and sigma: %.4f)\n",
                before.nll, after.nll, static_cast<long long>(epochs), score(mu, var, y_test).nll);
    std::printf("coverage of the 90%% interval %.3f -> %.3f\n", before.coverage90,
                after.coverage90);
    char detail[96];
    std::snprintf(detail, sizeof detail, "90%% interval coverage %.3f -> %.3f", before.coverage90,
                  after.coverage90);
    return examples::report({.example = opt.name,
                             .loss = "gaussian_nll_loss",
                             .family = "probabilistic",
                             .metric = "test Gaussian NLL",
                             .before = before.nll,
                             .after = after.nll,
                             .higher_is_better = false,
                             .detail = detail},
                            opt);
  });
}
