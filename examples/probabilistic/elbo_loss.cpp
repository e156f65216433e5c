// elbo_loss example: a Bayesian neural network on Fashion-MNIST, trained by Bayes by backprop.
//
// A 784-128-10 network of nn::BayesLinear layers: every weight is a Gaussian N(mu, sigma^2),
// sigma = softplus(rho), with a N(0, 0.1^2) prior. Each training step draws one weight sample
// (the reparameterisation trick) and minimises the negative ELBO per sample,
//   CE(logits, y) + KL(q || prior) / M        (M = the training-set size)
// so an epoch's summed loss is the whole -ELBO: the data term pulls the weights to fit, the KL
// pulls each weight's distribution back to the prior, and weights the data says little about stay
// uncertain. Predictions average the softmax over T = 20 weight samples (nn::mc_predict).
// Metric: test accuracy of that average, untrained -> trained; printed beside it the test NLL,
// the expected calibration error, the KL per weight and the mean sigma. --quick: 5k / 2k images,
// 2 epochs.
//
//   elbo_loss [--quick] [--epochs N] [--out DIR] [--seed S] [--data DIR]
#include <cstdio>

#include "autograd/ops.h"
#include "data/loader.h"
#include "examples/common/calibration_arm.h"
#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "losses/probabilistic.h"
#include "metrics/calibration.h"
#include "nn/mc_predict.h"
#include "optim/adam.h"
#include "tensor/ops.h"
#include "train/fit.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "elbo_loss", .epochs = 10, .uses_fashion = true};
  examples::Flags app{"minidl example: elbo_loss, a Bayesian MLP (Bayes by backprop)"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    const std::int64_t epochs = opt.quick ? 2 : opt.epochs;
    const examples::Fashion f = examples::load_fashion(opt);
    Generator gen(opt.seed);
    auto model = examples::bayes_mlp({784, 128, 10}, gen, {.prior_sigma = 0.1});
    const double m = static_cast<double>(f.y_train.numel());
    auto evaluate = [&] {
      const nn::McPrediction p = nn::mc_predict(
          *model, f.x_test,
          {.passes = 20, .transform = [](const Variable& z) { return softmax(z, 1); }});
      return metrics::calibration(p.mean, f.y_test);
    };
    const metrics::Calibration before = evaluate();
    optim::Adam adam(model->parameters(), {.lr = 1e-3});
    data::DataLoader loader(f.x_train, f.y_train,
                            {.batch_size = 128, .shuffle = true, .seed = opt.seed});
    train::fit(*model, adam, loader,
               {.epochs = epochs,
                .loss_fn =
                    [&](const Variable& logits, const Tensor& y) {
                      return losses::elbo_loss(logits, Variable(y), nn::bayes_kl(*model),
                                               {.dataset_size = m});
                    },
                .metrics = {},
                .verbose = 0});
    const metrics::Calibration after = evaluate();
    double sigma_sum = 0, count = 0;
    for (const auto& [name, p] : model->named_parameters()) {
      if (name.find("rho") == std::string::npos) continue;
      const Tensor s = log1p(exp(p.value()));
      sigma_sum += sum(s).item();
      count += static_cast<double>(s.numel());
    }
    const double kl = nn::bayes_kl(*model).item();
    std::printf(
        "%lld train / %lld test images, %lld epochs, T = 20 weight samples: test accuracy "
        "%.4f -> %.4f, NLL %.4f -> %.4f, ECE %.4f -> %.4f\n",
        static_cast<long long>(f.y_train.numel()), static_cast<long long>(f.y_test.numel()),
        static_cast<long long>(epochs), before.accuracy, after.accuracy, before.nll, after.nll,
        before.ece, after.ece);
    std::printf(
        "KL(q || prior) %.1f nats (%.3f per weight, %.3f per training image), mean sigma %.4f\n",
        kl, kl / count, kl / m, sigma_sum / count);
    return examples::report({.example = opt.name,
                             .loss = "elbo_loss",
                             .family = "probabilistic",
                             .metric = "accuracy",
                             .before = before.accuracy,
                             .after = after.accuracy},
                            opt);
  });
}
