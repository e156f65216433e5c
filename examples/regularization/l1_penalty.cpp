// l1_penalty example: an L1 penalty makes a Fashion-MNIST MLP's weights sparse.
//
// A 784-256-10 ReLU MLP is trained with Adam on cross entropy + l1 * sum |w| over its two weight
// matrices (biases are not penalised). Fashion-MNIST has many pixels that carry little class
// information (the borders, the background), and the L1 penalty's constant pull l1 * sign(w)
// drives the weights from those inputs to about zero, where the pull of a plain L2 penalty would
// fade. The metric is the share of weights with |w| < 1e-3, before (PyTorch's default init: about
// 3% in the first layer) and after training with the penalty; the test accuracy before and after,
// and the same run without the penalty, are printed beside it so the price in accuracy is seen.
//
// Through the loss (autograd's subgradient 0 at w = 0) weights reach the neighbourhood of 0 but
// rarely exactly 0; for exact zeros use the optimizers' proximal L1 (examples/weight_decay.cpp).
//
//   l1_penalty [--quick] [--epochs N] [--l1 L] [--out DIR] [--seed S]
#include <cmath>
#include <cstdio>
#include <vector>

#include "autograd/functional.h"
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

constexpr double kNearZero = 1e-3;

std::vector<Variable> weight_matrices(const nn::Module& model) {
  std::vector<Variable> out;
  for (const auto& [name, p] : model.named_parameters())
    if (!optim::skips_decay(name, p)) out.push_back(p);
  return out;
}

double near_zero_share(const std::vector<Variable>& weights) {
  std::int64_t near = 0, total = 0;
  for (const Variable& w : weights) {
    const float* d = w.value().data<float>();
    for (std::int64_t i = 0; i < w.numel(); ++i) near += std::abs(d[i]) < kNearZero;
    total += w.numel();
  }
  return static_cast<double>(near) / static_cast<double>(total);
}

struct Run {
  double share_before = 0, share_after = 0, acc_before = 0, acc_after = 0;
};

Run train_mlp(const examples::Fashion& data, double l1, std::int64_t epochs, std::uint64_t seed) {
  Generator gen(seed);
  auto model = examples::mlp({784, 256, 10}, gen);
  const std::vector<Variable> weights = weight_matrices(*model);
  Run r;
  r.share_before = near_zero_share(weights);
  r.acc_before = metrics::accuracy(train::predict(*model, data.x_test), data.y_test);
  optim::Adam adam(model->parameters(), {.lr = 1e-3});
  data::DataLoader loader(data.x_train, data.y_train,
                          {.batch_size = 128, .shuffle = true, .seed = seed});
  train::fit(*model, adam, loader,
             {.epochs = epochs,
              .loss_fn =
                  [&](const Variable& logits, const Tensor& y) {
                    const Variable ce = losses::cross_entropy(logits, Variable(y));
                    if (l1 == 0) return ce;
                    return ce + losses::l1_penalty(weights, {.l1 = l1});
                  },
              .metrics = {},
              .verbose = 0});
  r.share_after = near_zero_share(weights);
  r.acc_after = metrics::accuracy(train::predict(*model, data.x_test), data.y_test);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "l1_penalty", .epochs = 10, .uses_fashion = true};
  double l1 = 3e-4;
  examples::Flags app{"minidl example: an L1 penalty sparsifies a Fashion-MNIST MLP"};
  examples::add_standard_flags(app, opt);
  app.add_option("--l1", l1, "penalty multiplier")->capture_default_str();
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    const std::int64_t epochs = opt.quick ? 2 : opt.epochs;
    const examples::Fashion data = examples::load_fashion(opt, 5000, 2000);
    const Run with = train_mlp(data, l1, epochs, opt.seed);
    const Run without = train_mlp(data, 0.0, epochs, opt.seed);
    std::printf("%lld epochs, 784-256-10 MLP, Adam lr 1e-3, penalty on the weight matrices\n",
                static_cast<long long>(epochs));
    std::printf("share of weights |w| < 1e-3: init %.4f -> L1 (l1 = %g) %.4f, no penalty %.4f\n",
                with.share_before, l1, with.share_after, without.share_after);
    std::printf("test accuracy:               init %.4f -> L1 %.4f, no penalty %.4f\n",
                with.acc_before, with.acc_after, without.acc_after);
    char detail[160];
    std::snprintf(detail, sizeof detail,
                  "test accuracy %.4f with L1, %.4f without; near-zero share without L1 %.4f",
                  with.acc_after, without.acc_after, without.share_after);
    return examples::report({.example = opt.name,
                             .loss = "l1_penalty",
                             .family = "regularization",
                             .metric = "share of weights |w| < 1e-3",
                             .before = with.share_before,
                             .after = with.share_after,
                             .higher_is_better = true,
                             .detail = detail},
                            opt);
  });
}
