// margin_ranking_loss example: learning a scorer from pairwise preferences (learning to rank).
//
// The task (generated, so anyone can reproduce it): items x ~ N(0, I_10) have a hidden utility
//   u(x) = x1 + 0.8 x2 - 0.6 x3 + 0.5 sin(2 x4) + 0.4 x5 x6 + 0.3 x7^2
// that is never shown. What is shown are preferences between random pairs (i, j), drawn as in
// the Bradley-Terry model: i is preferred with probability sigmoid((u_i - u_j) / 0.3), so close
// pairs are often labelled the wrong way round. A 10-64-64-1 MLP scores each item alone and is
// trained on pairs with
//   margin_ranking_loss(s_i, s_j, y, margin = 1),   y = +1 if i was preferred, else -1
// the natural loss when only an order is known: it trains the score difference and nothing
// else (a positive margin rules out the trivial constant scorer, which margin 0 would allow).
// Metric: Kendall's tau between the scores and the hidden utility over held-out items
// (tau = (concordant - discordant pairs) / all pairs; 1 = the same order), before and after.
//
//   margin_ranking_loss [--quick] [--epochs N] [--out DIR] [--seed S]
#include <cmath>
#include <cstdio>

#include "autograd/functional.h"
#include "autograd/tape.h"
#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "losses/ranking.h"
#include "optim/adam.h"
#include "tensor/ops.h"
#include "train/fit.h"

using namespace minidl;

namespace {

constexpr std::int64_t kFeatures = 10;

double utility(const float* x) {
  return x[0] + 0.8 * x[1] - 0.6 * x[2] + 0.5 * std::sin(2 * x[3]) + 0.4 * x[4] * x[5] +
         0.3 * x[6] * x[6];
}

std::vector<double> utilities(const Tensor& x) {
  std::vector<double> u;
  for (std::int64_t i = 0; i < x.size(0); ++i)
    u.push_back(utility(x.data<float>() + i * kFeatures));
  return u;
}

// Kendall's tau-a of two equally long sequences (O(n^2), fine for a few thousand items).
double kendall_tau(const std::vector<double>& a, const std::vector<double>& b) {
  double concordant = 0, discordant = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t j = i + 1; j < a.size(); ++j) {
      const double s = (a[i] - a[j]) * (b[i] - b[j]);
      concordant += s > 0;
      discordant += s < 0;
    }
  const double n = static_cast<double>(a.size());
  return (concordant - discordant) / (n * (n - 1) / 2);
}

double tau(nn::Module& model, const Tensor& x, const std::vector<double>& u) {
  return kendall_tau(train::predict(model, x).to(kFloat64).to_vector(), u);
}

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "margin_ranking_loss", .epochs = 30};
  examples::Flags app{
      "minidl example: margin_ranking_loss, a scorer learned from noisy preferences"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    const std::int64_t epochs = opt.quick ? 4 : opt.epochs;
    const std::int64_t num_items = opt.quick ? 2000 : 10000, pairs_per_epoch = 4 * num_items;
    constexpr std::int64_t kBatch = 128;
    Generator gen(opt.seed);
    const Tensor items = randn({num_items, kFeatures}, gen);
    const std::vector<double> u = utilities(items);
    const Tensor test_items = randn({opt.quick ? 1000 : 3000, kFeatures}, gen);
    const std::vector<double> test_u = utilities(test_items);

    auto model = examples::mlp({kFeatures, 64, 64, 1}, gen);
    optim::Adam adam(model->parameters(), {.lr = 2e-3});
    const double before = tau(*model, test_items, test_u);
    model->train();
    for (std::int64_t epoch = 0; epoch < epochs; ++epoch) {
      for (std::int64_t step = 0; step < pairs_per_epoch / kBatch; ++step) {
        const Tensor i = randint(0, num_items, {kBatch}, gen);
        const Tensor j = randint(0, num_items, {kBatch}, gen);
        Tensor y = empty({kBatch, 1});
        for (std::int64_t k = 0; k < kBatch; ++k) {
          const double diff = u[i.data<std::int64_t>()[k]] - u[j.data<std::int64_t>()[k]];
          const double p_first = 1 / (1 + std::exp(-diff / 0.3));
          y.data<float>()[k] = gen.uniform() < p_first ? 1.0f : -1.0f;
        }
        adam.zero_grad();
        const Variable s_i = (*model)(Variable(index_select(items, 0, i)));
        const Variable s_j = (*model)(Variable(index_select(items, 0, j)));
        backward(losses::margin_ranking_loss(s_i, s_j, Variable(y), {.margin = 1.0}));
        adam.step();
      }
    }
    const double after = tau(*model, test_items, test_u);
    std::printf("test Kendall tau %.4f -> %.4f after %lld epochs of %lld noisy preferences\n",
                before, after, static_cast<long long>(epochs),
                static_cast<long long>(pairs_per_epoch));
    return examples::report({.example = opt.name,
                             .loss = "margin_ranking_loss",
                             .family = "ranking",
                             .metric = "test Kendall tau",
                             .before = before,
                             .after = after,
                             .higher_is_better = true},
                            opt);
  });
}
