// squared_hinge_loss example: an L2-SVM telling Pullover from Coat on Fashion-MNIST.
//
// Pullover = +1, Coat = -1: two long-sleeved upper-body garments that differ in a zip or buttons
// and a collar, a hard pair for a linear model. One linear layer, score x = w . pixels + b, the
// squared hinge max(0, 1 - y x)^2 plus an L2 penalty (SGD weight decay): the L2-loss SVM,
// LIBLINEAR's default. Against the plain hinge (examples/classification/binary_hinge_loss.cpp)
// the square makes the objective differentiable at the margin, so plain SGD settles smoothly,
// and a sample deep on the wrong side pulls in proportion to how wrong it is; samples beyond the
// margin still contribute nothing. The metric is test accuracy of sign(x).
//
//   squared_hinge_loss [--quick] [--epochs N] [--out DIR] [--seed S] [--data DIR]
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
  examples::ExampleOptions opt{.name = "squared_hinge_loss", .epochs = 20, .uses_fashion = true};
  examples::Flags app{"minidl example: squared_hinge_loss, an L2-SVM for Pullover vs Coat"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    const std::int64_t epochs = opt.quick ? 3 : opt.epochs;
    const examples::Fashion f = examples::load_fashion(opt, 10000, 2000);
    const auto train = examples::binary_pair(f.x_train, f.y_train, 2, 4);  // Pullover vs Coat
    const auto test = examples::binary_pair(f.x_test, f.y_test, 2, 4);
    Generator gen(opt.seed);
    auto model = examples::mlp({784, 1}, gen);  // linear: w . x + b
    optim::SGD sgd(model->parameters(), {.lr = 5e-4, .momentum = 0.9, .weight_decay = 1e-3});
    data::DataLoader loader(train.x, train.y,
                            {.batch_size = 64, .shuffle = true, .seed = opt.seed});
    const double before = examples::sign_accuracy(train::predict(*model, test.x), test.y);
    train::fit(
        *model, sgd, loader,
        {.epochs = epochs,
         .loss_fn = [](const Variable& score,
                       const Tensor& y) { return losses::squared_hinge_loss(score, Variable(y)); },
         .metrics = {},
         .verbose = 0});
    const double after = examples::sign_accuracy(train::predict(*model, test.x), test.y);
    std::printf(
        "Pullover vs Coat, %lld train / %lld test images: test accuracy %.4f -> %.4f "
        "after %lld epochs\n",
        static_cast<long long>(train.y.numel()), static_cast<long long>(test.y.numel()), before,
        after, static_cast<long long>(epochs));
    return examples::report({.example = opt.name,
                             .loss = "squared_hinge_loss",
                             .family = "classification",
                             .metric = "accuracy",
                             .before = before,
                             .after = after},
                            opt);
  });
}
