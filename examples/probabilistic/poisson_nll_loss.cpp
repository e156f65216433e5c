// poisson_nll_loss example: count regression with an MLP predicting a log-rate.
//
// The task (generated, so anyone can reproduce it): x ~ N(0, I_6),
//   log lambda(x) = 0.6 + 0.7 sin(2 x1) + 0.4 x2 - 0.3 x3^2 + 0.3 x4 x5,   y ~ Poisson(lambda(x))
// (x6 is noise). Counts are where the squared error goes wrong: their variance grows with their
// mean, so MSE over-weights the large counts, and a mean output can go negative. The Poisson
// negative log-likelihood is the maximum-likelihood loss for counts; predicting log lambda
// (log_input, the default) keeps the rate positive and the loss convex in the output.
// Metric: the mean Poisson deviance on held-out points,
//   D = (2/n) sum_i [y_i log(y_i / mu_i) - (y_i - mu_i)]     (y log y = 0 at y = 0)
// lower is better; the true rates' deviance (the floor: pure Poisson noise) and a constant
// model's are printed beside it.
//
//   poisson_nll_loss [--quick] [--epochs N] [--out DIR] [--seed S]
#include <cmath>
#include <cstdio>

#include "autograd/functional.h"
#include "data/loader.h"
#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "losses/probabilistic.h"
#include "optim/adam.h"
#include "tensor/ops.h"
#include "train/fit.h"

using namespace minidl;

namespace {

constexpr std::int64_t kFeatures = 6;

double true_log_rate(const float* x) {
  return 0.6 + 0.7 * std::sin(2 * x[0]) + 0.4 * x[1] - 0.3 * x[2] * x[2] + 0.3 * x[3] * x[4];
}

// One Poisson(lambda) draw by Knuth's product of uniforms (fine for the small rates here).
double poisson_draw(double lambda, Generator& gen) {
  const double limit = std::exp(-lambda);
  double k = 0, p = gen.uniform();
  while (p > limit) {
    p *= gen.uniform();
    ++k;
  }
  return k;
}

struct Data {
  Tensor x, y, rate;  // [n, 6], [n, 1] counts, [n, 1] true rates
};

Data make_data(std::int64_t n, Generator& gen) {
  Data d{randn({n, kFeatures}, gen), empty({n, 1}), empty({n, 1})};
  for (std::int64_t i = 0; i < n; ++i) {
    const double lambda = std::exp(true_log_rate(d.x.data<float>() + i * kFeatures));
    d.rate.data<float>()[i] = static_cast<float>(lambda);
    d.y.data<float>()[i] = static_cast<float>(poisson_draw(lambda, gen));
  }
  return d;
}

// Mean Poisson deviance of predicted rates mu against counts y.
double deviance(const Tensor& mu, const Tensor& y) {
  double total = 0;
  for (std::int64_t i = 0; i < y.numel(); ++i) {
    const double m = mu.data<float>()[i], c = y.data<float>()[i];
    total += 2 * ((c > 0 ? c * std::log(c / m) : 0.0) - (c - m));
  }
  return total / static_cast<double>(y.numel());
}

double model_deviance(nn::Module& model, const Data& d) {
  return deviance(exp(train::predict(model, d.x)), d.y);
}

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "poisson_nll_loss", .epochs = 40};
  examples::Flags app{"minidl example: poisson_nll_loss, MLP regression of Poisson counts"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    const std::int64_t epochs = opt.quick ? 6 : opt.epochs;
    Generator gen(opt.seed);
    const Data train_set = make_data(opt.quick ? 3000 : 20000, gen);
    const Data test = make_data(4000, gen);
    auto model = examples::mlp({kFeatures, 64, 64, 1}, gen);
    optim::Adam adam(model->parameters(), {.lr = 3e-3});
    data::DataLoader loader(train_set.x, train_set.y,
                            {.batch_size = 64, .shuffle = true, .seed = opt.seed});
    const double before = model_deviance(*model, test);
    train::fit(
        *model, adam, loader,
        {.epochs = epochs,
         .loss_fn = [](const Variable& log_rate,
                       const Tensor& y) { return losses::poisson_nll_loss(log_rate, Variable(y)); },
         .metrics = {},
         .verbose = 0});
    const double after = model_deviance(*model, test);
    const double mean_count = mean(train_set.y).item();
    std::printf("test mean Poisson deviance %.4f -> %.4f after %lld epochs\n", before, after,
                static_cast<long long>(epochs));
    std::printf("  for reference: true rates %.4f (the noise floor), constant mean %.4f\n",
                deviance(test.rate, test.y), deviance(full_like(test.y, mean_count), test.y));
    return examples::report({.example = opt.name,
                             .loss = "poisson_nll_loss",
                             .family = "probabilistic",
                             .metric = "test Poisson deviance",
                             .before = before,
                             .after = after,
                             .higher_is_better = false},
                            opt);
  });
}
