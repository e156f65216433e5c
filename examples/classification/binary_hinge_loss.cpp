// binary_hinge_loss example: a linear SVM telling Shirt from T-shirt/top on Fashion-MNIST.
//
// The two classes Fashion-MNIST confuses most often (collars, buttons and sleeve length are the
// only cues), as a binary problem with labels Shirt = +1, T-shirt/top = -1. The model is one
// linear layer, score x = w . pixels + b, and the loss is the SVM's hinge max(0, 1 - y x) plus
// the L2 penalty (SGD weight decay): exactly the soft-margin SVM objective
// lambda/2 |w|^2 + mean_i max(0, 1 - y_i x_i). The hinge is the natural choice when only the
// decision matters: samples already beyond the margin give no gradient, so the boundary is set by
// the hard cases near it (the support vectors), not by the easy bulk. The metric is test accuracy
// of sign(x).
//
//   binary_hinge_loss [--quick] [--epochs N] [--out DIR] [--seed S] [--data DIR]
#include <cstdio>

#include "data/loader.h"
#include "examples/common/example.h"
#include "examples/common/fashion_attributes.h"
#include "examples/common/flags.h"
#include "losses/classification_margin.h"
#include "optim/sgd.h"
#include "train/fit.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "binary_hinge_loss", .epochs = 20, .uses_fashion = true};
  examples::Flags app{"minidl example: binary_hinge_loss, a linear SVM for Shirt vs T-shirt/top"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    const std::int64_t epochs = opt.quick ? 3 : opt.epochs;
    const examples::Fashion f = examples::load_fashion(opt, 10000, 2000);
    const auto train = examples::binary_pair(f.x_train, f.y_train, 6, 0);  // Shirt vs T-shirt
    const auto test = examples::binary_pair(f.x_test, f.y_test, 6, 0);
    Generator gen(opt.seed);
    auto model = examples::mlp({784, 1}, gen);  // linear: w . x + b
    optim::SGD sgd(model->parameters(), {.lr = 1e-3, .momentum = 0.9, .weight_decay = 1e-3});
    data::DataLoader loader(train.x, train.y,
                            {.batch_size = 64, .shuffle = true, .seed = opt.seed});
    const double before = examples::sign_accuracy(train::predict(*model, test.x), test.y);
    train::fit(
        *model, sgd, loader,
        {.epochs = epochs,
         .loss_fn = [](const Variable& score,
                       const Tensor& y) { return losses::binary_hinge_loss(score, Variable(y)); },
         .metrics = {},
         .verbose = 0});
    const double after = examples::sign_accuracy(train::predict(*model, test.x), test.y);
    std::printf(
        "Shirt vs T-shirt/top, %lld train / %lld test images: test accuracy %.4f -> %.4f "
        "after %lld epochs\n",
        static_cast<long long>(train.y.numel()), static_cast<long long>(test.y.numel()), before,
        after, static_cast<long long>(epochs));
    return examples::report({.example = opt.name,
                             .loss = "binary_hinge_loss",
                             .family = "classification",
                             .metric = "accuracy",
                             .before = before,
                             .after = after},
                            opt);
  });
}
