// l2_penalty example: an L2 penalty against overfitting a small training set.
//
// A 784-256-256-10 ReLU MLP is trained with Adam on only 500 Fashion-MNIST images for many
// passes: it soon fits every training label, and from then on cross entropy keeps rewarding it
// for growing its weights, which makes its predictions on unseen images more and more
// over-confident (the test cross entropy rises while the training loss falls to 0). Adding
// l2 * sum w^2 over the weight matrices (biases are not penalised) makes large weights cost
// something, which keeps the test loss down. The metric is the test cross entropy before and
// after training with the penalty (lower is better); the same run without the penalty is printed
// beside it, with the test accuracies.
//
// The penalty equals Adam's coupled weight_decay = 2 l2 (losses/regularization.h); as a loss
// term its value can be logged and scheduled (examples/composition/weighted_sum.cpp).
//
//   l2_penalty [--quick] [--epochs N] [--l2 L] [--train N] [--out DIR] [--seed S]
#include <cstdio>
#include <vector>

#include "autograd/functional.h"
#include "autograd/tape.h"
#include "data/loader.h"
#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "losses/classification.h"
#include "losses/regularization.h"
#include "metrics/classification.h"
#include "optim/adam.h"
#include "optim/decay_groups.h"
#include "train/fit.h"

using namespace minidl;

namespace {

struct Scores {
  double loss = 0, accuracy = 0;
};

Scores test_scores(nn::Module& model, const examples::Fashion& data) {
  const Tensor logits = train::predict(model, data.x_test);
  NoGradGuard no_grad;
  return {losses::cross_entropy(Variable(logits), Variable(data.y_test)).item(),
          metrics::accuracy(logits, data.y_test)};
}

struct Run {
  Scores before, after;
};

Run train_mlp(const examples::Fashion& data, double l2, std::int64_t epochs, std::uint64_t seed) {
  Generator gen(seed);
  auto model = examples::mlp({784, 256, 256, 10}, gen);
  std::vector<Variable> weights;
  for (const auto& [name, p] : model->named_parameters())
    if (!optim::skips_decay(name, p)) weights.push_back(p);
  Run r;
  r.before = test_scores(*model, data);
  optim::Adam adam(model->parameters(), {.lr = 1e-3});
  data::DataLoader loader(data.x_train, data.y_train,
                          {.batch_size = 64, .shuffle = true, .seed = seed});
  train::fit(*model, adam, loader,
             {.epochs = epochs,
              .loss_fn =
                  [&](const Variable& logits, const Tensor& y) {
                    const Variable ce = losses::cross_entropy(logits, Variable(y));
                    if (l2 == 0) return ce;
                    return ce + losses::l2_penalty(weights, {.l2 = l2});
                  },
              .metrics = {},
              .verbose = 0});
  r.after = test_scores(*model, data);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "l2_penalty", .epochs = 100, .uses_fashion = true};
  double l2 = 1e-3;
  std::int64_t train_n = 500;
  examples::Flags app{"minidl example: an L2 penalty against overfitting 500 Fashion-MNIST images"};
  examples::add_standard_flags(app, opt);
  app.add_option("--l2", l2, "penalty multiplier")->capture_default_str();
  app.add_option("--train", train_n, "training images")->capture_default_str();
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    const std::int64_t epochs = opt.quick ? 30 : opt.epochs;
    examples::Fashion data = examples::load_fashion(opt, train_n, 2000);
    data.x_train = examples::rows(data.x_train, 0, train_n);
    data.y_train = examples::rows(data.y_train, 0, train_n);
    const Run with = train_mlp(data, l2, epochs, opt.seed);
    const Run without = train_mlp(data, 0.0, epochs, opt.seed);
    std::printf("%lld training images, %lld test images, %lld epochs, 784-256-256-10 MLP, Adam\n",
                static_cast<long long>(train_n), static_cast<long long>(data.y_test.numel()),
                static_cast<long long>(epochs));
    std::printf("test cross entropy: init %.4f -> L2 (l2 = %g) %.4f, no penalty %.4f\n",
                with.before.loss, l2, with.after.loss, without.after.loss);
    std::printf("test accuracy:      init %.4f -> L2 %.4f, no penalty %.4f\n", with.before.accuracy,
                with.after.accuracy, without.after.accuracy);
    char detail[160];
    std::snprintf(detail, sizeof detail,
                  "without the penalty: test cross entropy %.4f, accuracy %.4f (with: %.4f)",
                  without.after.loss, without.after.accuracy, with.after.accuracy);
    return examples::report({.example = opt.name,
                             .loss = "l2_penalty",
                             .family = "regularization",
                             .metric = "test cross entropy",
                             .before = with.before.loss,
                             .after = with.after.loss,
                             .higher_is_better = false,
                             .detail = detail},
                            opt);
  });
}
