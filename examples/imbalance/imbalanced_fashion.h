// What the imbalance examples share (header only: examples/CMakeLists.txt builds one program per
// .cpp here): Fashion-MNIST with three classes cut to a small fraction of their training samples,
// a fixed-budget training loop, the metrics that matter under imbalance, and the whole run of a
// per-loss example against plain cross entropy (run_imbalance_example).
//
// The three rare classes are Pullover, Coat and Shirt: upper-body garments confused with each
// other and with T-shirt/top even when every class is plentiful, so a model trained on few of
// them learns to answer "T-shirt" (or "Coat" for "Pullover") and their recall collapses. The test
// set stays the full, balanced one: every class counts the same in macro-F1, as it should when
// the rare classes matter.
#pragma once

#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "autograd/functional.h"
#include "autograd/tape.h"
#include "data/fashion_mnist.h"
#include "data/loader.h"
#include "data/resample.h"
#include "examples/common/example.h"
#include "losses/imbalance.h"
#include "metrics/classification.h"
#include "optim/adam.h"
#include "tensor/ops.h"
#include "train/fit.h"

namespace minidl::examples::imbalance {

inline constexpr std::int64_t kClasses = 10;
inline const std::vector<std::int64_t> kRareClasses = {2, 4, 6};  // Pullover, Coat, Shirt

struct ImbalancedFashion {
  Tensor x_train, y_train;     // the cut training set [N, 784], int64 [N]
  Tensor x_test, y_test;       // the balanced test set
  std::vector<double> counts;  // training samples per class (n_c)
};

// Fashion-MNIST (quick mode: the first quick_train / quick_test samples) with every rare class
// cut to round(fraction * n_c) samples (at least min_keep), drawn with the example's seed.
inline ImbalancedFashion load_imbalanced_fashion(const ExampleOptions& opt, double fraction,
                                                 std::int64_t quick_train, std::int64_t quick_test,
                                                 std::int64_t min_keep = 6) {
  Fashion f = load_fashion(opt, quick_train, quick_test);
  const Tensor full_counts = losses::class_counts(f.y_train, kClasses);
  std::map<std::int64_t, std::int64_t> keep;
  for (std::int64_t c : kRareClasses)
    keep[c] = std::max<std::int64_t>(
        min_keep, std::llround(fraction * static_cast<double>(full_counts.at(c))));
  const Tensor index = from_vector(data::make_imbalance(f.y_train, keep, {.seed = opt.seed}));
  ImbalancedFashion out{
      index_select(f.x_train, 0, index), index_select(f.y_train, 0, index), f.x_test, f.y_test, {}};
  out.counts = losses::class_counts(out.y_train, kClasses).to_vector();
  return out;
}

inline void print_counts(const ImbalancedFashion& d, const char* what) {
  std::printf("%s: %lld training samples; rare classes", what,
              static_cast<long long>(d.y_train.numel()));
  for (std::int64_t c : kRareClasses)
    std::printf(" %s %.0f", data::fashion_mnist_classes()[static_cast<std::size_t>(c)].c_str(),
                d.counts[static_cast<std::size_t>(c)]);
  std::printf(", the other 7 about %.0f each; %lld balanced test samples\n", d.counts[0],
              static_cast<long long>(d.y_test.numel()));
}

struct Scores {
  double macro_f1 = 0, rare_recall = 0, accuracy = 0;
};

// Macro-F1 over the 10 classes, mean recall of the three rare classes, accuracy.
inline Scores score(nn::Module& model, const Tensor& x, const Tensor& y) {
  const Tensor cm = metrics::confusion_matrix(train::predict(model, x), y, kClasses);
  const metrics::ClassificationReport r = metrics::classification_report(cm);
  double rare = 0;
  for (std::int64_t c : kRareClasses) rare += r.recall[static_cast<std::size_t>(c)];
  return {r.macro_f1, rare / static_cast<double>(kRareClasses.size()), r.accuracy};
}

inline void print_scores(const char* name, const Scores& s) {
  std::printf("  %-26s macro-F1 %.4f   rare-class recall %.4f   accuracy %.4f\n", name, s.macro_f1,
              s.rare_recall, s.accuracy);
}

// Adam (lr 1e-3) on `loader` for exactly `steps` batches, epoch after epoch: every method of a
// comparison gets the same number of updates, however large its resampled training set is.
inline void train_steps(nn::Module& model, const data::DataLoader& loader,
                        const train::LossFn& loss, std::int64_t steps, double lr = 1e-3) {
  optim::Adam adam(model.parameters(), {.lr = lr});
  model.train();
  std::int64_t done = 0;
  for (std::int64_t epoch = 0; done < steps; ++epoch) {
    for (data::Batch& b : loader.epoch(epoch)) {
      adam.zero_grad();
      const Variable out = model(Variable(b.inputs));
      backward(loss(out, b.targets));
      adam.step();
      if (++done == steps) break;
    }
  }
  model.eval();
}

// The 784-128-10 MLP all imbalance examples train, initialised from `seed` (the same seed gives
// the same starting weights, so methods differ only in what they train with).
inline std::shared_ptr<nn::Sequential> make_model(std::uint64_t seed) {
  Generator gen(seed);
  return mlp({784, 128, kClasses}, gen);
}

// Plain cross entropy on the imbalanced data: the baseline every example prints.
inline Variable plain_cross_entropy(const Variable& out, const Tensor& y) {
  return train::cross_entropy(out, y);
}

// One per-loss imbalance example (examples/imbalance/<loss>.cpp).
struct ImbalanceExample {
  std::string loss;                              // registry name, for the report and the table
  std::string baseline_label = "cross_entropy";  // the table's name for the baseline
  // The loss, built from the cut data (its class counts) once they are printed.
  std::function<train::LossFn(const ImbalancedFashion&)> make_loss;
  // Adjusts the fresh model before training (e.g. an output bias prior); may be empty.
  std::function<void(nn::Sequential&)> init = {};
};

// The run those examples share: Pullover, Coat and Shirt cut to 2% (quick mode: from the first
// 12,000 / 2,000 samples), batch 128, one epoch's steps in quick mode or options.epochs epochs',
// the loss and plain cross entropy trained from the same initial weights for the same steps;
// macro-F1, rare-class recall and accuracy printed for both, macro-F1 reported. Returns the exit
// code.
inline int run_imbalance_example(const ExampleOptions& opt, const ImbalanceExample& example) {
  const ImbalancedFashion d = load_imbalanced_fashion(opt, 0.02, 12000, 2000);
  print_counts(d, "Fashion-MNIST, Pullover/Coat/Shirt cut to 2%");
  const data::DataLoader loader(d.x_train, d.y_train,
                                {.batch_size = 128, .shuffle = true, .seed = opt.seed});
  const std::int64_t steps = (opt.quick ? 1 : opt.epochs) * loader.num_batches();
  const train::LossFn loss = example.make_loss(d);

  auto model = make_model(opt.seed);
  if (example.init) example.init(*model);
  const Scores before = score(*model, d.x_test, d.y_test);
  train_steps(*model, loader, loss, steps);
  const Scores after = score(*model, d.x_test, d.y_test);
  auto baseline = make_model(opt.seed);
  train_steps(*baseline, loader, plain_cross_entropy, steps);
  const Scores ce = score(*baseline, d.x_test, d.y_test);

  std::printf("after %lld steps (batch 128):\n", static_cast<long long>(steps));
  print_scores("untrained", before);
  print_scores(example.baseline_label.c_str(), ce);
  print_scores(example.loss.c_str(), after);
  char detail[160];
  std::snprintf(detail, sizeof detail,
                "rare-class recall %.3f (cross_entropy %.3f), macro-F1 vs cross_entropy %.3f",
                after.rare_recall, ce.rare_recall, ce.macro_f1);
  return report({.example = opt.name,
                 .loss = example.loss,
                 .family = "imbalance",
                 .metric = "macro-F1",
                 .before = before.macro_f1,
                 .after = after.macro_f1,
                 .higher_is_better = true,
                 .detail = detail},
                opt);
}

}  // namespace minidl::examples::imbalance
