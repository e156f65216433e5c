#include "examples/common/linear_binary.h"

#include <cstdio>
#include <utility>

#include "autograd/tape.h"
#include "data/loader.h"
#include "examples/common/fashion_attributes.h"
#include "optim/sgd.h"

namespace minidl::examples {

int run_linear_binary_example(const ExampleOptions& opt, const LinearBinaryExample& example) {
  const std::int64_t epochs = opt.quick ? 3 : opt.epochs;
  const Fashion f = load_fashion(opt, 10000, 2000);
  const auto train = binary_pair(f.x_train, f.y_train, example.positive, example.negative);
  const auto test = binary_pair(f.x_test, f.y_test, example.positive, example.negative);
  Generator gen(opt.seed);
  auto model = mlp({784, 1}, gen);  // linear: w . x + b
  optim::SGD sgd(model->parameters(),
                 {.lr = example.lr, .momentum = 0.9, .weight_decay = example.weight_decay});
  data::DataLoader loader(train.x, train.y, {.batch_size = 64, .shuffle = true, .seed = opt.seed});
  auto evaluate = [&] {
    const Tensor score = train::predict(*model, test.x);
    double test_loss = 0;
    if (!example.test_loss_name.empty()) {
      NoGradGuard no_grad;
      test_loss = example.loss_fn(Variable(score), test.y).item();
    }
    return std::pair{sign_accuracy(score, test.y), test_loss};
  };
  const auto [before, loss_before] = evaluate();
  train::fit(*model, sgd, loader,
             {.epochs = epochs, .loss_fn = example.loss_fn, .metrics = {}, .verbose = 0});
  const auto [after, loss_after] = evaluate();
  const auto n_train = static_cast<long long>(train.y.numel());
  const auto n_test = static_cast<long long>(test.y.numel());
  if (example.test_loss_name.empty())
    std::printf("%s, %lld train / %lld test images: test accuracy %.4f -> %.4f after %lld epochs\n",
                example.task.c_str(), n_train, n_test, before, after,
                static_cast<long long>(epochs));
  else
    std::printf(
        "%s, %lld train / %lld test images after %lld epochs: test accuracy %.4f -> %.4f, test "
        "%s %.4f -> %.4f\n",
        example.task.c_str(), n_train, n_test, static_cast<long long>(epochs), before, after,
        example.test_loss_name.c_str(), loss_before, loss_after);
  return report({.example = opt.name,
                 .loss = example.loss,
                 .family = "classification",
                 .metric = "accuracy",
                 .before = before,
                 .after = after},
                opt);
}

}  // namespace minidl::examples
