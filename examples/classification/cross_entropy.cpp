// cross_entropy example: a softmax classifier of Fashion-MNIST's ten classes.
//
// The textbook case for this loss: each image has exactly one of C = 10 exclusive classes, the
// model outputs C logits z, and -log softmax(z)_y is the negative log-likelihood of a categorical
// distribution, so minimising it fits the class probabilities. The logits go straight into the
// loss, which applies log_softmax itself (stably). A 784-128-10 MLP trained with Adam; the metric
// is test accuracy (macro-F1 printed too). --label-smoothing e trains against the smoothed target
// (1 - e) onehot(y) + e / C, which keeps the logits from growing without bound (Szegedy et al.
// 2016); --quick uses 5k training / 2k test images and 2 epochs.
//
//   cross_entropy [--quick] [--epochs N] [--label-smoothing E] [--out DIR] [--seed S] [--data DIR]
#include <cstdio>

#include "data/loader.h"
#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "losses/classification.h"
#include "metrics/classification.h"
#include "optim/adam.h"
#include "train/fit.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "cross_entropy", .epochs = 10, .uses_fashion = true};
  double smoothing = 0.0;
  examples::Flags app{"minidl example: cross_entropy, a softmax classifier of Fashion-MNIST"};
  examples::add_standard_flags(app, opt);
  app.add_option("--label-smoothing", smoothing, "label smoothing in [0, 1]")
      ->capture_default_str();
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    const std::int64_t epochs = opt.quick ? 2 : opt.epochs;
    const examples::Fashion f = examples::load_fashion(opt);
    Generator gen(opt.seed);
    auto model = examples::mlp({784, 128, 10}, gen);
    optim::Adam adam(model->parameters(), {.lr = 1e-3});
    data::DataLoader loader(f.x_train, f.y_train,
                            {.batch_size = 64, .shuffle = true, .seed = opt.seed});
    auto evaluate = [&] {
      const Tensor logits = train::predict(*model, f.x_test);
      return std::pair{metrics::accuracy(logits, f.y_test),
                       metrics::macro_f1(logits, f.y_test, 10)};
    };
    const auto [before, f1_before] = evaluate();
    train::fit(*model, adam, loader,
               {.epochs = epochs,
                .loss_fn =
                    [smoothing](const Variable& logits, const Tensor& labels) {
                      return losses::cross_entropy(logits, Variable(labels),
                                                   {.label_smoothing = smoothing});
                    },
                .metrics = {},
                .verbose = 0});
    const auto [after, f1_after] = evaluate();
    std::printf(
        "%lld train / %lld test images, label smoothing %.2f, %lld epochs: test accuracy "
        "%.4f -> %.4f, macro-F1 %.4f -> %.4f\n",
        static_cast<long long>(f.y_train.numel()), static_cast<long long>(f.y_test.numel()),
        smoothing, static_cast<long long>(epochs), before, after, f1_before, f1_after);
    return examples::report({.example = opt.name,
                             .loss = "cross_entropy",
                             .family = "classification",
                             .metric = "accuracy",
                             .before = before,
                             .after = after},
                            opt);
  });
}
