// mse_loss example: least-squares regression of a smooth function with an MLP.
//
// The task (generated, so anyone can reproduce it): x ~ U[-2, 2]^2,
//   y = sin(2 x1) + 0.5 x2^2 + noise,  noise ~ N(0, 0.1^2).
// Gaussian noise is exactly the case the squared error is made for: minimising it gives the
// conditional mean, the maximum-likelihood fit under Gaussian noise. A 2-64-64-1 MLP trained with
// Adam; the metric is the mean absolute error on held-out points (noise alone gives 0.08).
//
//   mse_loss [--quick] [--epochs N] [--out DIR] [--seed S]
#include <cmath>
#include <cstdio>

#include "autograd/functional.h"
#include "autograd/tape.h"
#include "data/loader.h"
#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "losses/regression.h"
#include "optim/adam.h"
#include "train/fit.h"

using namespace minidl;

namespace {

// n points of the task above: x [n, 2], y [n, 1] (float32).
std::pair<Tensor, Tensor> make_data(std::int64_t n, Generator& gen) {
  Tensor x = rand({n, 2}, gen, kFloat32, -2.0, 2.0);
  Tensor noise = randn({n}, gen, kFloat32, 0.0, 0.1);
  Tensor y = empty({n, 1}, kFloat32);
  for (std::int64_t i = 0; i < n; ++i) {
    const float x1 = x.data<float>()[2 * i], x2 = x.data<float>()[2 * i + 1];
    y.data<float>()[i] = std::sin(2 * x1) + 0.5f * x2 * x2 + noise.data<float>()[i];
  }
  return {x, y};
}

double mae(nn::Module& model, const Tensor& x, const Tensor& y) {
  const Tensor pred = train::predict(model, x);
  double total = 0;
  for (std::int64_t i = 0; i < y.numel(); ++i)
    total += std::abs(pred.data<float>()[i] - y.data<float>()[i]);
  return total / static_cast<double>(y.numel());
}

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "mse_loss", .epochs = 40};
  examples::Flags app{"minidl example: mse_loss, MLP regression of sin(2 x1) + 0.5 x2^2 + noise"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    const std::int64_t epochs = opt.quick ? 8 : opt.epochs;
    Generator gen(opt.seed);
    auto [x_train, y_train] = make_data(opt.quick ? 2000 : 10000, gen);
    auto [x_test, y_test] = make_data(2000, gen);
    auto model = examples::mlp({2, 64, 64, 1}, gen);
    optim::Adam adam(model->parameters(), {.lr = 3e-3});
    data::DataLoader loader(x_train, y_train,
                            {.batch_size = 64, .shuffle = true, .seed = opt.seed});
    const double before = mae(*model, x_test, y_test);
    train::fit(*model, adam, loader,
               {.epochs = epochs,
                .loss_fn = [](const Variable& pred,
                              const Tensor& y) { return losses::mse_loss(pred, Variable(y)); },
                .metrics = {},
                .verbose = 0});
    const double after = mae(*model, x_test, y_test);
    std::printf("test MAE %.4f -> %.4f after %lld epochs (noise alone: 0.080)\n", before, after,
                static_cast<long long>(epochs));
    return examples::report({.example = opt.name,
                             .loss = "mse_loss",
                             .family = "regression",
                             .metric = "MAE",
                             .before = before,
                             .after = after,
                             .higher_is_better = false},
                            opt);
  });
}
