// What the imbalance examples share (header only: examples/CMakeLists.txt builds one program per
// .cpp here): Fashion-MNIST with three classes cut to a small fraction of their training samples,
// a fixed-budget training loop, and the metrics that matter under imbalance.
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

}  // namespace minidl::examples::imbalance
