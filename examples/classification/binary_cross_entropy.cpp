// binary_cross_entropy example: "is it footwear?" on Fashion-MNIST, with a sigmoid output.
//
// A one-vs-rest yes/no task: the positives are the three footwear classes (Sandal 5, Sneaker 7,
// Ankle boot 9; 30% of the images), everything else is negative. The model is a 784-64-1 MLP
// ending in nn::Sigmoid, so it outputs the probability p that the image shows footwear, and
// binary_cross_entropy -[y log p + (1 - y) log(1 - p)] is the negative log-likelihood of a
// Bernoulli label: the loss for a model that already outputs probabilities. (When you control the
// model, leave the sigmoid out and use binary_cross_entropy_with_logits: same loss, computed
// stably from the logit.) The metric is the F1 of the footwear class at p > 0.5, which, unlike
// accuracy, does not reward answering "no" to everything (that scores 70% accuracy but F1 0);
// accuracy is printed too. --quick uses 5k training / 2k test images and 2 epochs.
//
//   binary_cross_entropy [--quick] [--epochs N] [--out DIR] [--seed S] [--data DIR]
#include <cstdio>
#include <memory>

#include "data/loader.h"
#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "losses/classification.h"
#include "nn/activation.h"
#include "optim/adam.h"
#include "train/fit.h"

using namespace minidl;

namespace {

// 1 for Sandal, Sneaker and Ankle boot, else 0: float32 [N, 1].
Tensor is_footwear(const Tensor& labels) {
  Tensor y = zeros({labels.numel(), 1}, kFloat32);
  for (std::int64_t i = 0; i < labels.numel(); ++i) {
    const std::int64_t c = labels.data<std::int64_t>()[i];
    y.data<float>()[i] = c == 5 || c == 7 || c == 9 ? 1.0f : 0.0f;
  }
  return y;
}

struct Scores {
  double f1, accuracy;
};

Scores score(const Tensor& p, const Tensor& y) {
  double tp = 0, fp = 0, fn = 0, right = 0;
  for (std::int64_t i = 0; i < y.numel(); ++i) {
    const bool pred = p.data<float>()[i] > 0.5f, truth = y.data<float>()[i] > 0.5f;
    tp += pred && truth;
    fp += pred && !truth;
    fn += !pred && truth;
    right += pred == truth;
  }
  const double f1 = tp + fp + fn > 0 ? 2 * tp / (2 * tp + fp + fn) : 1.0;
  return {f1, right / static_cast<double>(y.numel())};
}

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "binary_cross_entropy", .epochs = 6, .uses_fashion = true};
  examples::Flags app{"minidl example: binary_cross_entropy, is a Fashion-MNIST image footwear?"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    const std::int64_t epochs = opt.quick ? 2 : opt.epochs;
    const examples::Fashion f = examples::load_fashion(opt);
    const Tensor y_train = is_footwear(f.y_train), y_test = is_footwear(f.y_test);
    Generator gen(opt.seed);
    auto model = examples::mlp({784, 64, 1}, gen);
    model->add(std::make_shared<nn::Sigmoid>());
    optim::Adam adam(model->parameters(), {.lr = 1e-3});
    data::DataLoader loader(f.x_train, y_train,
                            {.batch_size = 64, .shuffle = true, .seed = opt.seed});
    const Scores before = score(train::predict(*model, f.x_test), y_test);
    train::fit(
        *model, adam, loader,
        {.epochs = epochs,
         .loss_fn = [](const Variable& p,
                       const Tensor& y) { return losses::binary_cross_entropy(p, Variable(y)); },
         .metrics = {},
         .verbose = 0});
    const Scores after = score(train::predict(*model, f.x_test), y_test);
    std::printf(
        "footwear vs rest, %lld train / %lld test images, %lld epochs: test F1 %.4f -> %.4f, "
        "accuracy %.4f -> %.4f\n",
        static_cast<long long>(f.y_train.numel()), static_cast<long long>(f.y_test.numel()),
        static_cast<long long>(epochs), before.f1, after.f1, before.accuracy, after.accuracy);
    return examples::report({.example = opt.name,
                             .loss = "binary_cross_entropy",
                             .family = "classification",
                             .metric = "F1 (footwear)",
                             .before = before.f1,
                             .after = after.f1},
                            opt);
  });
}
