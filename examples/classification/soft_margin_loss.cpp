// soft_margin_loss example: logistic regression telling T-shirt/top from Pullover on
// Fashion-MNIST.
//
// T-shirt/top = +1, Pullover = -1 (short against long sleeves, mostly). One linear layer, score
// x = w . pixels + b, and the soft-margin loss log(1 + exp(-y x)): with -1/+1 labels this is
// exactly logistic regression (binary cross entropy on sigmoid(x)), so sigmoid(x) is a calibrated
// probability of "T-shirt/top", which a hinge loss does not give. Unlike the hinge it never stops
// pushing a correct sample further out, only more and more gently. The metric is test accuracy
// of sign(x); the mean test loss (log-loss) is printed too, since that is what it optimises.
//
//   soft_margin_loss [--quick] [--epochs N] [--out DIR] [--seed S] [--data DIR]
#include <cstdio>

#include "autograd/tape.h"
#include "data/loader.h"
#include "examples/common/example.h"
#include "examples/common/fashion_attributes.h"
#include "examples/common/flags.h"
#include "losses/classification_margin.h"
#include "optim/sgd.h"
#include "train/fit.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "soft_margin_loss", .epochs = 20, .uses_fashion = true};
  examples::Flags app{
      "minidl example: soft_margin_loss, logistic regression for T-shirt vs Pullover"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    const std::int64_t epochs = opt.quick ? 3 : opt.epochs;
    const examples::Fashion f = examples::load_fashion(opt, 10000, 2000);
    const auto train = examples::binary_pair(f.x_train, f.y_train, 0, 2);  // T-shirt vs Pullover
    const auto test = examples::binary_pair(f.x_test, f.y_test, 0, 2);
    Generator gen(opt.seed);
    auto model = examples::mlp({784, 1}, gen);  // linear: w . x + b
    optim::SGD sgd(model->parameters(), {.lr = 1e-3, .momentum = 0.9, .weight_decay = 1e-4});
    data::DataLoader loader(train.x, train.y,
                            {.batch_size = 64, .shuffle = true, .seed = opt.seed});
    auto evaluate = [&] {
      const Tensor score = train::predict(*model, test.x);
      NoGradGuard no_grad;
      const double log_loss = losses::soft_margin_loss(Variable(score), Variable(test.y)).item();
      return std::pair{examples::sign_accuracy(score, test.y), log_loss};
    };
    const auto [before, loss_before] = evaluate();
    train::fit(
        *model, sgd, loader,
        {.epochs = epochs,
         .loss_fn = [](const Variable& score,
                       const Tensor& y) { return losses::soft_margin_loss(score, Variable(y)); },
         .metrics = {},
         .verbose = 0});
    const auto [after, loss_after] = evaluate();
    std::printf(
        "T-shirt/top vs Pullover, %lld train / %lld test images after %lld epochs: test "
        "accuracy %.4f -> %.4f, test log-loss %.4f -> %.4f\n",
        static_cast<long long>(train.y.numel()), static_cast<long long>(test.y.numel()),
        static_cast<long long>(epochs), before, after, loss_before, loss_after);
    return examples::report({.example = opt.name,
                             .loss = "soft_margin_loss",
                             .family = "classification",
                             .metric = "accuracy",
                             .before = before,
                             .after = after},
                            opt);
  });
}
