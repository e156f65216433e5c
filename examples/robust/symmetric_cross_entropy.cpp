// symmetric_cross_entropy example: learning Fashion-MNIST from labels of which 40% are wrong.
//
// 40% of the training labels are replaced by another class at random (symmetric noise,
// examples/robust/noisy_labels.h); the test labels are clean. A 784-256-256-10 MLP trained with
// Adam on a few thousand images for many passes can memorise the wrong labels, and cross entropy
// (whose gradient weighs each sample by 1 / p_y) drives it to. Symmetric cross entropy (Wang et al.
// 2019) keeps a little cross entropy (alpha = 0.1) for fast learning and adds the reverse cross
// entropy -A (1 - p_y) (beta = 1, A = -4), a bounded, MAE-like term that is tolerant of symmetric
// noise. Metric: clean test accuracy before -> after training; the same run with plain cross
// entropy is printed for comparison.
//
//   symmetric_cross_entropy [--quick] [--epochs N] [--noise R] [--alpha A] [--beta B]
//                           [--log-zero A] [--out DIR] [--seed S]
#include <cstdio>

#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "examples/robust/noisy_labels.h"
#include "losses/classification.h"
#include "losses/robust.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{
      .name = "symmetric_cross_entropy", .epochs = 40, .uses_fashion = true};
  double noise = 0.4;
  losses::SymmetricCrossEntropyOptions sce;
  examples::Flags app{
      "minidl example: symmetric cross entropy on Fashion-MNIST with 40% wrong labels"};
  examples::add_standard_flags(app, opt);
  app.add_option("--noise", noise, "share of training labels flipped")->capture_default_str();
  app.add_option("--alpha", sce.alpha, "weight of cross entropy")->capture_default_str();
  app.add_option("--beta", sce.beta, "weight of reverse cross entropy")->capture_default_str();
  app.add_option("--log-zero", sce.log_zero, "A, the value of log 0 (authors' code: -9.21)")
      ->capture_default_str();
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
    const double after = examples::train_on_noisy_labels(
        [&sce](const Variable& z, const Variable& y) {
          return losses::symmetric_cross_entropy(z, y, sce);
        },
        data.x_train, noisy.labels, data.x_test, data.y_test, run, &before);
    const double ce = examples::train_on_noisy_labels(
        [](const Variable& z, const Variable& y) { return losses::cross_entropy(z, y); },
        data.x_train, noisy.labels, data.x_test, data.y_test, run);
    std::printf(
        "clean test accuracy after %lld epochs: SCE (alpha %.2f, beta %.2f, A %.2f) %.4f, cross "
        "entropy %.4f\n",
        static_cast<long long>(run.epochs), sce.alpha, sce.beta, sce.log_zero, after, ce);
    return examples::report({.example = opt.name,
                             .loss = "symmetric_cross_entropy",
                             .family = "robust",
                             .metric = "clean test accuracy",
                             .before = before,
                             .after = after,
                             .higher_is_better = true,
                             .detail = examples::noisy_detail(noise, ce)},
                            opt);
  });
}
