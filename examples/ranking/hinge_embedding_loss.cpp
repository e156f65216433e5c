// hinge_embedding_loss example: a distance embedding of Fashion-MNIST learned from pairs.
//
// A 784-128-32 MLP f embeds an image. Training sees only pairs (a, b) labelled similar (same
// class, y = 1) or dissimilar (y = -1), half of each, and their distance d = |f(a) - f(b)|_2:
//   hinge_embedding_loss(d, y, margin = 1) = d for similar pairs, max(0, 1 - d) for dissimilar
// This is the loss made for a distance input: it pulls similar pairs together and pushes
// dissimilar ones out to the margin, and stops pushing once they are there (the contrastive
// loss of Hadsell et al. 2006 without its squares).
// Metric: pair verification accuracy on 4000 fixed test pairs (half similar): "same class" is
// predicted when d is below a threshold, taken at its best value on those pairs (so it measures
// how well distances separate the two kinds of pair, whatever their scale). Before and after.
//
//   hinge_embedding_loss [--quick] [--epochs N] [--out DIR] [--seed S] [--data DIR]
#include <algorithm>
#include <cstdio>

#include "autograd/functional.h"
#include "autograd/tape.h"
#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "examples/common/pairs.h"
#include "losses/ranking.h"
#include "optim/adam.h"
#include "tensor/ops.h"
#include "train/fit.h"

using namespace minidl;

namespace {

using examples::Pairs;
using examples::PairSampler;

// Distances [n] between the embeddings of the pairs' images.
Variable distances(nn::Module& f, const Tensor& x, const Pairs& p) {
  const Variable d = f(Variable(index_select(x, 0, p.a))) - f(Variable(index_select(x, 0, p.b)));
  return norm(d, 2.0, {1});
}

// Verification accuracy at the best distance threshold.
double verification(nn::Module& f, const Tensor& x, const Pairs& p) {
  NoGradGuard no_grad;
  f.eval();
  const std::vector<double> d = distances(f, x, p).value().to_vector();
  f.train();
  return examples::best_threshold_accuracy(d, p.y.values<float>(), /*higher_is_similar=*/false);
}

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "hinge_embedding_loss", .epochs = 10, .uses_fashion = true};
  examples::Flags app{"minidl example: hinge_embedding_loss, a Fashion-MNIST embedding from pairs"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    const examples::Fashion f = examples::load_fashion(opt, 5000, 2000);
    const std::int64_t epochs = opt.quick ? 2 : opt.epochs;
    constexpr std::int64_t kBatch = 128;
    Generator gen(opt.seed);
    const Pairs test_pairs = PairSampler(f.y_test).sample(4000, gen);
    const PairSampler train_pairs(f.y_train);
    auto model = examples::mlp({784, 128, 32}, gen);
    optim::Adam adam(model->parameters(), {.lr = 1e-3});
    const double before = verification(*model, f.x_test, test_pairs);
    const std::int64_t steps = f.x_train.size(0) / kBatch;
    for (std::int64_t epoch = 0; epoch < epochs; ++epoch) {
      for (std::int64_t step = 0; step < steps; ++step) {
        const Pairs batch = train_pairs.sample(kBatch, gen);
        adam.zero_grad();
        backward(losses::hinge_embedding_loss(distances(*model, f.x_train, batch),
                                              Variable(batch.y), {.margin = 1.0}));
        adam.step();
      }
    }
    const double after = verification(*model, f.x_test, test_pairs);
    std::printf(
        "test pair verification accuracy (best threshold) %.4f -> %.4f after %lld "
        "epochs of %lld pairs\n",
        before, after, static_cast<long long>(epochs), static_cast<long long>(steps * kBatch));
    return examples::report({.example = opt.name,
                             .loss = "hinge_embedding_loss",
                             .family = "ranking",
                             .metric = "pair verification accuracy",
                             .before = before,
                             .after = after,
                             .higher_is_better = true},
                            opt);
  });
}
