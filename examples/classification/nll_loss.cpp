// nll_loss example: a Fashion-MNIST classifier whose model ends in log_softmax.
//
// nll_loss is the second half of cross_entropy: it takes log-probabilities and picks
// -log p_y. It is the natural choice when the model itself outputs a distribution (here a
// 784-128-10 MLP followed by nn::LogSoftmax, so predict() gives log-probabilities that can be
// exponentiated, averaged or combined directly); log_softmax + nll_loss equals cross_entropy on
// the logits. The metric is test accuracy; the mean probability the model gives the true class,
// exp(-nll) averaged, is printed too (it rises as the model grows confident where it is right).
// --quick uses 5k training / 2k test images and 2 epochs.
//
//   nll_loss [--quick] [--epochs N] [--out DIR] [--seed S] [--data DIR]
#include <cmath>
#include <cstdio>
#include <memory>

#include "data/loader.h"
#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "losses/classification.h"
#include "metrics/classification.h"
#include "nn/activation.h"
#include "optim/adam.h"
#include "train/fit.h"

using namespace minidl;

namespace {

// Mean over samples of p(true class) = exp(log p_y).
double mean_true_probability(const Tensor& log_p, const Tensor& labels) {
  const std::int64_t n = log_p.size(0), c = log_p.size(1);
  double total = 0;
  for (std::int64_t i = 0; i < n; ++i)
    total += std::exp(log_p.data<float>()[i * c + labels.data<std::int64_t>()[i]]);
  return total / static_cast<double>(n);
}

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "nll_loss", .epochs = 10, .uses_fashion = true};
  examples::Flags app{"minidl example: nll_loss, a Fashion-MNIST classifier ending in log_softmax"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    const std::int64_t epochs = opt.quick ? 2 : opt.epochs;
    const examples::Fashion f = examples::load_fashion(opt);
    Generator gen(opt.seed);
    auto model = examples::mlp({784, 128, 10}, gen);
    model->add(std::make_shared<nn::LogSoftmax>(1));
    optim::Adam adam(model->parameters(), {.lr = 1e-3});
    data::DataLoader loader(f.x_train, f.y_train,
                            {.batch_size = 64, .shuffle = true, .seed = opt.seed});
    auto evaluate = [&] {
      const Tensor log_p = train::predict(*model, f.x_test);
      return std::pair{metrics::accuracy(log_p, f.y_test), mean_true_probability(log_p, f.y_test)};
    };
    const auto [before, p_before] = evaluate();
    train::fit(
        *model, adam, loader,
        {.epochs = epochs,
         .loss_fn = [](const Variable& log_p,
                       const Tensor& labels) { return losses::nll_loss(log_p, Variable(labels)); },
         .metrics = {},
         .verbose = 0});
    const auto [after, p_after] = evaluate();
    std::printf(
        "%lld train / %lld test images, %lld epochs: test accuracy %.4f -> %.4f, mean "
        "probability of the true class %.4f -> %.4f\n",
        static_cast<long long>(f.y_train.numel()), static_cast<long long>(f.y_test.numel()),
        static_cast<long long>(epochs), before, after, p_before, p_after);
    return examples::report({.example = opt.name,
                             .loss = "nll_loss",
                             .family = "classification",
                             .metric = "accuracy",
                             .before = before,
                             .after = after},
                            opt);
  });
}
