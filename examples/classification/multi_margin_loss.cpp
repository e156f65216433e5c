// multi_margin_loss example: a linear multiclass SVM on all ten Fashion-MNIST classes.
//
// One linear layer gives a score per class, x = W pixels + b, trained with
//   l = (1/C) sum_{i != y} max(0, 1 - x_y + x_i)     + an L2 penalty (SGD weight decay)
// which is the Weston-Watkins multiclass SVM (1999): every wrong class that comes within the
// margin of the true one pays its own hinge. Crammer and Singer (2001) charge only the worst
// wrong class, max(0, 1 + max_{i != y} x_i - x_y); PyTorch's multi_margin_loss (and ours) is the
// Weston-Watkins sum, divided by C. Like the binary SVM, a sample whose true score already beats
// every other by the margin gives no gradient, so training concentrates on the confusable ones
// (shirts, pullovers, coats), where cross entropy would keep polishing easy samples too.
// The metric is test accuracy of argmax x.
//
//   multi_margin_loss [--quick] [--epochs N] [--out DIR] [--seed S] [--data DIR]
#include <cstdio>

#include "data/loader.h"
#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "losses/classification_margin.h"
#include "metrics/classification.h"
#include "optim/sgd.h"
#include "train/fit.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "multi_margin_loss", .epochs = 15, .uses_fashion = true};
  examples::Flags app{
      "minidl example: multi_margin_loss, a linear multiclass SVM on Fashion-MNIST"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    const std::int64_t epochs = opt.quick ? 2 : opt.epochs;
    const examples::Fashion f = examples::load_fashion(opt);
    Generator gen(opt.seed);
    auto model = examples::mlp({784, 10}, gen);  // linear: W x + b
    optim::SGD sgd(model->parameters(), {.lr = 2e-3, .momentum = 0.9, .weight_decay = 1e-3});
    data::DataLoader loader(f.x_train, f.y_train,
                            {.batch_size = 64, .shuffle = true, .seed = opt.seed});
    const double before = metrics::accuracy(train::predict(*model, f.x_test), f.y_test);
    train::fit(
        *model, sgd, loader,
        {.epochs = epochs,
         .loss_fn = [](const Variable& scores,
                       const Tensor& y) { return losses::multi_margin_loss(scores, Variable(y)); },
         .metrics = {},
         .verbose = 0});
    const double after = metrics::accuracy(train::predict(*model, f.x_test), f.y_test);
    std::printf(
        "10 classes, %lld train / %lld test images: test accuracy %.4f -> %.4f after %lld "
        "epochs\n",
        static_cast<long long>(f.y_train.numel()), static_cast<long long>(f.y_test.numel()), before,
        after, static_cast<long long>(epochs));
    return examples::report({.example = opt.name,
                             .loss = "multi_margin_loss",
                             .family = "classification",
                             .metric = "accuracy",
                             .before = before,
                             .after = after},
                            opt);
  });
}
