// generalized_cross_entropy example: learning Fashion-MNIST from labels of which 40% are wrong.
//
// 40% of the training labels are replaced by another class at random (symmetric noise,
// examples/robust/noisy_labels.h); the test labels are clean. A 784-256-256-10 MLP trained with
// Adam on a few thousand images for many passes has the capacity to memorise the wrong labels,
// which is what cross entropy drives it to do: its gradient weighs each sample by 1 / p_y, so the
// samples the model finds least plausible, mostly the wrong ones, pull hardest. The L_q loss
// (1 - p_y^q) / q (Zhang & Sabuncu 2018, q = 0.7) scales cross entropy's gradient by p_y^q and so
// lets the clean majority decide. Metric: clean test accuracy before -> after training; the same
// run with plain cross entropy is printed for comparison.
//
//   generalized_cross_entropy [--quick] [--epochs N] [--noise R] [--q Q] [--out DIR] [--seed S]
#include <cstdio>

#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "examples/robust/noisy_labels.h"
#include "losses/classification.h"
#include "losses/robust.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{
      .name = "generalized_cross_entropy", .epochs = 40, .uses_fashion = true};
  double noise = 0.4, q = 0.7;
  examples::Flags app{
      "minidl example: generalized cross entropy on Fashion-MNIST with 40% wrong labels"};
  examples::add_standard_flags(app, opt);
  app.add_option("--noise", noise, "share of training labels flipped")->capture_default_str();
  app.add_option("--q", q, "GCE's q in (0, 1]")->capture_default_str();
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    const std::int64_t train_n = opt.quick ? 2000 : 8000;
    examples::Fashion data = examples::load_fashion(opt, train_n, 2000);
    if (!opt.quick) {
      data.x_train = examples::rows(data.x_train, 0, train_n);
      data.y_train = examples::rows(data.y_train, 0, train_n);
    }
    Generator gen(opt.seed + 1);
    const examples::NoisyLabels noisy = examples::add_symmetric_noise(data.y_train, noise, 10, gen);
    std::printf("%lld of %lld training labels flipped (%.0f%%), test labels clean\n",
                static_cast<long long>(noisy.flipped), static_cast<long long>(noisy.labels.numel()),
                100.0 * static_cast<double>(noisy.flipped) / static_cast<double>(train_n));
    const examples::NoisyRun run{.epochs = opt.quick ? 12 : opt.epochs, .seed = opt.seed};
    double before = 0;
    const double gce = examples::train_on_noisy_labels(
        [q](const Variable& z, const Variable& y) {
          return losses::generalized_cross_entropy(z, y, {.q = q});
        },
        data.x_train, noisy.labels, data.x_test, data.y_test, run, &before);
    const double ce = examples::train_on_noisy_labels(
        [](const Variable& z, const Variable& y) { return losses::cross_entropy(z, y); },
        data.x_train, noisy.labels, data.x_test, data.y_test, run);
    std::printf("clean test accuracy after %lld epochs: GCE (q = %.2f) %.4f, cross entropy %.4f\n",
                static_cast<long long>(run.epochs), q, gce, ce);
    return examples::report({.example = opt.name,
                             .loss = "generalized_cross_entropy",
                             .family = "robust",
                             .metric = "clean test accuracy",
                             .before = before,
                             .after = gce,
                             .higher_is_better = true,
                             .detail = examples::noisy_detail(noise, ce)},
                            opt);
  });
}
