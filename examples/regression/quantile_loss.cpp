// quantile_loss example: predicting the 0.9 quantile of noise whose spread depends on x.
//
// The task (generated): x ~ U[-2, 2]^2, f(x) = sin(2 x1) + 0.5 x2^2 and
//   y = f(x) + s(x) eps,   eps ~ N(0, 1),   s(x) = 0.05 + 0.25 (x1 + 2)   (0.05 ... 1.05)
// so the noise is 20 times wider on the right (x1 = 2) than on the left (x1 = -2). The true
// conditional q-quantile is known: f(x) + s(x) z_q with z_q = Phi^-1(q) (1.2816 for q = 0.9).
//
// Why quantile_loss fits: the pinball loss max(q u, (q - 1) u), u = y - prediction, is
// minimised by the q-quantile of y given x (Koenker & Bassett 1978), so a network trained with
// it learns an upper bound that widens and narrows with the noise, without assuming a noise
// shape. The usual shortcut, a mean fit with mse_loss plus z_q times the overall residual spread,
// covers about q of all points but far more than q where the noise is narrow and far fewer where
// it is wide; the example trains both and prints the coverage P(y <= prediction) on each half.
// The reported metric is the pinball loss on held-out points (lower is better); it also prints
// the mean absolute error against the true quantile curve.
//
//   quantile_loss [--quick] [--epochs N] [--out DIR] [--seed S] [--quantile Q]
#include <cmath>
#include <cstdio>
#include <string>

#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "examples/common/regression_data.h"
#include "losses/regression.h"
#include "tensor/ops.h"

using namespace minidl;

namespace {

// Phi^-1(q) by bisection on Phi(z) = erfc(-z / sqrt 2) / 2 (exact to double precision).
double normal_quantile(double q) {
  double lo = -10, hi = 10;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (0.5 * std::erfc(-mid / std::sqrt(2.0)) < q ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

// x [n, 2], y [n, 1] noisy targets, clean [n, 1] the true q-quantile of y given x.
examples::RegressionSet make_data(std::int64_t n, double q, Generator& gen) {
  Tensor x = rand({n, 2}, gen, kFloat32, -2.0, 2.0);
  const Tensor f = examples::clean_function(x);
  const Tensor eps = randn({n}, gen, kFloat32);
  const double z = normal_quantile(q);
  Tensor y = empty({n, 1}, kFloat32), quantile = empty({n, 1}, kFloat32);
  for (std::int64_t i = 0; i < n; ++i) {
    const float s = 0.05f + 0.25f * (x.data<float>()[2 * i] + 2.0f);
    y.data<float>()[i] = f.data<float>()[i] + s * eps.data<float>()[i];
    quantile.data<float>()[i] = f.data<float>()[i] + static_cast<float>(z) * s;
  }
  return {x, y, quantile};
}

struct Scores {
  double pinball = 0, coverage_left = 0, coverage_right = 0, coverage = 0;
};

// Mean pinball loss of pred against y, and the share of y <= pred for x1 < 0, x1 >= 0 and all.
Scores score(const Tensor& pred, const examples::RegressionSet& s, double q) {
  Scores out;
  double n_left = 0, n_right = 0;
  const std::int64_t n = s.y.size(0);
  for (std::int64_t i = 0; i < n; ++i) {
    const double p = pred.data<float>()[i], y = s.y.data<float>()[i], u = y - p;
    out.pinball += u >= 0 ? q * u : (q - 1) * u;
    const bool covered = y <= p, left = s.x.data<float>()[2 * i] < 0;
    (left ? out.coverage_left : out.coverage_right) += covered;
    (left ? n_left : n_right) += 1;
  }
  out.coverage = (out.coverage_left + out.coverage_right) / static_cast<double>(n);
  out.pinball /= static_cast<double>(n);
  out.coverage_left /= n_left;
  out.coverage_right /= n_right;
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "quantile_loss", .epochs = 40};
  double q = 0.9;
  examples::Flags app{"minidl example: quantile_loss, the 0.9 quantile of heteroscedastic noise"};
  examples::add_standard_flags(app, opt);
  app.add_option("--quantile", q, "the quantile to predict, in (0, 1)")->range(0.01, 0.99);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    Generator gen(opt.seed);
    const auto train = make_data(opt.quick ? 6000 : 20000, q, gen);
    const auto test = make_data(4000, q, gen);
    const examples::RegressorOptions fit{.epochs = opt.quick ? 20 : opt.epochs, .seed = opt.seed};

    const Scores before =
        score(train::predict(*examples::initial_regressor(2, fit), test.x), test, q);
    auto pinball = [q](const Variable& pred, const Tensor& y) {
      return losses::quantile_loss(pred, Variable(y), {.quantile = q});
    };
    const Tensor pred =
        train::predict(*examples::fit_regressor(train.x, train.y, pinball, fit), test.x);
    const Scores after = score(pred, test, q);

    // The shortcut: a mean fit plus z_q times the spread of its training residuals.
    auto mse = [](const Variable& p, const Tensor& y) { return losses::mse_loss(p, Variable(y)); };
    auto mean_model = examples::fit_regressor(train.x, train.y, mse, fit);
    const Tensor train_pred = train::predict(*mean_model, train.x);
    double sq = 0;
    for (std::int64_t i = 0; i < train.y.size(0); ++i) {
      const double r = train.y.data<float>()[i] - train_pred.data<float>()[i];
      sq += r * r;
    }
    const double band = normal_quantile(q) * std::sqrt(sq / static_cast<double>(train.y.size(0)));
    const Tensor shifted = minidl::add(train::predict(*mean_model, test.x), band);
    const Scores shortcut = score(shifted, test, q);

    std::printf("q = %.2f, %lld epochs on %lld points; coverage P(y <= prediction), want %.2f\n", q,
                static_cast<long long>(fit.epochs), static_cast<long long>(train.x.size(0)), q);
    std::printf("  %-32s %8s %8s %8s %8s %10s\n", "", "pinball", "all", "x1 < 0", "x1 >= 0",
                "MAE to q");
    auto row = [&](const char* name, const Scores& s, double err) {
      std::printf("  %-32s %8.4f %8.3f %8.3f %8.3f %10.4f\n", name, s.pinball, s.coverage,
                  s.coverage_left, s.coverage_right, err);
    };
    row("untrained", before,
        examples::mean_abs_diff(train::predict(*examples::initial_regressor(2, fit), test.x),
                                test.clean));
    row("quantile_loss", after, examples::mean_abs_diff(pred, test.clean));
    row("mse_loss + z_q * residual std", shortcut, examples::mean_abs_diff(shifted, test.clean));
    return examples::report({.example = opt.name,
                             .loss = "quantile_loss",
                             .family = "regression",
                             .metric = "pinball loss",
                             .before = before.pinball,
                             .after = after.pinball,
                             .higher_is_better = false,
                             .detail = "coverage " + std::to_string(after.coverage) +
                                       " (x1 < 0: " + std::to_string(after.coverage_left) +
                                       ", x1 >= 0: " + std::to_string(after.coverage_right) + ")"},
                            opt);
  });
}
