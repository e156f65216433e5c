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
    char label[32];
    std::snprintf(label, sizeof label, "GCE (q = %.2f)", q);
    return examples::run_noisy_label_example(
        opt, noise, "generalized_cross_entropy", label, [q](const Variable& z, const Variable& y) {
          return losses::generalized_cross_entropy(z, y, {.q = q});
        });
  });
}
