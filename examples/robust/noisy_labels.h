// What the robust-loss examples share (examples/robust/*.cpp): symmetric label noise on
// Fashion-MNIST's training labels, one training run of an MLP under a given loss, and the whole
// run of a per-loss example against cross entropy (run_noisy_label_example).
//
// Symmetric noise at rate r: each training label is, with probability r, replaced by one of the
// other 9 classes chosen uniformly (so about r of the labels are wrong, spread evenly over the
// classes; the convention of the GCE and SCE papers' "symmetric"/"uniform" noise without the
// true class). The test labels stay clean: the metric is how well the model learned the true
// classes despite the wrong ones.
//
// Noisy labels hurt cross entropy by memorisation: once the clean majority is fitted, a network
// with enough capacity keeps lowering the loss by fitting the wrong labels, and its test accuracy
// falls. The setting below (a few thousand training images, a wide MLP, many passes) lets that
// happen quickly; the robust losses stop pulling on samples they find implausible.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

#include "autograd/variable.h"
#include "data/loader.h"
#include "examples/common/example.h"
#include "losses/classification.h"
#include "metrics/classification.h"
#include "optim/adam.h"
#include "tensor/random.h"
#include "train/fit.h"

namespace minidl::examples {

struct NoisyLabels {
  Tensor labels;             // int64 [N]
  std::int64_t flipped = 0;  // how many differ from the clean labels
};

// Each label replaced with probability `rate` by a different class, uniformly (see above).
inline NoisyLabels add_symmetric_noise(const Tensor& clean, double rate, std::int64_t classes,
                                       Generator& gen) {
  NoisyLabels out{clean.to(kInt64), 0};
  std::int64_t* y = out.labels.data<std::int64_t>();
  for (std::int64_t i = 0; i < out.labels.numel(); ++i) {
    if (gen.uniform() >= rate) continue;
    const auto shift =
        1 + static_cast<std::int64_t>(gen.uniform() * static_cast<double>(classes - 1));
    y[i] = (y[i] + std::min(shift, classes - 1)) % classes;
    ++out.flipped;
  }
  return out;
}

struct NoisyRun {
  std::int64_t epochs = 30;
  std::int64_t hidden = 256;
  double lr = 1e-3;
  std::int64_t batch_size = 128;
  std::uint64_t seed = 0;  // same seed: same initial weights and batch order for every loss
};

using ClassLoss = std::function<Variable(const Variable& logits, const Variable& labels)>;

// Clean test accuracy of a 784-hidden-hidden-10 MLP trained with Adam under `loss` on
// (x_train, noisy y_train); `before` (if given) receives the untrained model's accuracy.
inline double train_on_noisy_labels(const ClassLoss& loss, const Tensor& x_train,
                                    const Tensor& y_noisy, const Tensor& x_test,
                                    const Tensor& y_test, const NoisyRun& run,
                                    double* before = nullptr) {
  Generator gen(run.seed);
  auto model = mlp({784, run.hidden, run.hidden, 10}, gen);
  if (before != nullptr) *before = metrics::accuracy(train::predict(*model, x_test), y_test);
  optim::Adam adam(model->parameters(), {.lr = run.lr});
  data::DataLoader loader(x_train, y_noisy,
                          {.batch_size = run.batch_size, .shuffle = true, .seed = run.seed});
  train::fit(*model, adam, loader,
             {.epochs = run.epochs,
              .loss_fn = [&loss](const Variable& logits,
                                 const Tensor& y) { return loss(logits, Variable(y)); },
              .metrics = {},
              .verbose = 0});
  return metrics::accuracy(train::predict(*model, x_test), y_test);
}

// The one-line summary the examples put in result.json's "detail".
inline std::string noisy_detail(double noise, double ce_accuracy) {
  char line[128];
  std::snprintf(line, sizeof line, "%.0f%% wrong training labels; cross entropy reaches %.4f",
                100 * noise, ce_accuracy);
  return line;
}

// The run of a per-loss robust example (generalized_cross_entropy, symmetric_cross_entropy): the
// first 8,000 Fashion-MNIST training images (2,000 and 2,000 test images in quick mode), a share
// `noise` of their labels flipped (Generator(seed + 1)), the MLP trained with `loss` and with
// cross entropy from the same initial weights for options.epochs (12 in quick mode); clean test
// accuracy printed (the loss named by `label`) and reported. Returns the exit code.
inline int run_noisy_label_example(const ExampleOptions& opt, double noise,
                                   const std::string& loss_name, const std::string& label,
                                   const ClassLoss& loss) {
  const std::int64_t train_n = opt.quick ? 2000 : 8000;
  Fashion data = load_fashion(opt, train_n, 2000);
  if (!opt.quick) {
    data.x_train = rows(data.x_train, 0, train_n);
    data.y_train = rows(data.y_train, 0, train_n);
  }
  Generator gen(opt.seed + 1);
  const NoisyLabels noisy = add_symmetric_noise(data.y_train, noise, 10, gen);
  std::printf("%lld of %lld training labels flipped (%.0f%%), test labels clean\n",
              static_cast<long long>(noisy.flipped), static_cast<long long>(noisy.labels.numel()),
              100.0 * static_cast<double>(noisy.flipped) / static_cast<double>(train_n));
  const NoisyRun run{.epochs = opt.quick ? 12 : opt.epochs, .seed = opt.seed};
  double before = 0;
  const double after = train_on_noisy_labels(loss, data.x_train, noisy.labels, data.x_test,
                                             data.y_test, run, &before);
  const double ce = train_on_noisy_labels(
      [](const Variable& z, const Variable& y) { return losses::cross_entropy(z, y); },
      data.x_train, noisy.labels, data.x_test, data.y_test, run);
  std::printf("clean test accuracy after %lld epochs: %s %.4f, cross entropy %.4f\n",
              static_cast<long long>(run.epochs), label.c_str(), after, ce);
  return report({.example = opt.name,
                 .loss = loss_name,
                 .family = "robust",
                 .metric = "clean test accuracy",
                 .before = before,
                 .after = after,
                 .higher_is_better = true,
                 .detail = noisy_detail(noise, ce)},
                opt);
}

}  // namespace minidl::examples
