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
    char label[64];
    std::snprintf(label, sizeof label, "SCE (alpha %.2f, beta %.2f, A %.2f)", sce.alpha, sce.beta,
                  sce.log_zero);
    return examples::run_noisy_label_example(opt, noise, "symmetric_cross_entropy", label,
                                             [&sce](const Variable& z, const Variable& y) {
                                               return losses::symmetric_cross_entropy(z, y, sce);
                                             });
  });
}
