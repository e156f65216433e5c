// cosine_embedding_loss example: a cosine embedding of Fashion-MNIST learned from pairs.
//
// A 784-128-32 MLP f embeds an image. Training sees only pairs (a, b) labelled similar (same
// class, y = 1) or dissimilar (y = -1), half of each:
//   cosine_embedding_loss(f(a), f(b), y, margin = 0) = 1 - cos for similar pairs,
//                                                      max(0, cos) for dissimilar ones
// It trains directions only, never lengths: the loss for an embedding that will be searched by
// cosine similarity (the usual retrieval setting), where a distance loss would also spend
// effort on norms the search ignores.
// Metric: pair verification accuracy on 4000 fixed test pairs (half similar): "same class" is
// predicted when the cosine is above a threshold, taken at its best value on those pairs.
// Printed beside it: 1-nearest-neighbour accuracy by cosine (each test image takes the label of
// its most similar training image). That one moves little: a random embedding of the pixels
// already keeps most nearest neighbours, and margin 0 only asks dissimilar pairs to be
// orthogonal, not classes to be tight; what the loss buys is a global cosine scale on which one
// threshold separates same from different.
//
//   cosine_embedding_loss [--quick] [--epochs N] [--out DIR] [--seed S] [--data DIR]
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

// Rows scaled to unit length (a zero row stays zero).
Tensor unit_rows(const Tensor& e) {
  return div(e, maximum(norm(e, 2.0, {1}, true), full({1}, 1e-12)));
}

// 1-NN accuracy of the test set against the training set, by cosine similarity.
double nearest_neighbour_accuracy(nn::Module& f, const examples::Fashion& d) {
  const Tensor gallery = unit_rows(train::predict(f, d.x_train));
  const Tensor queries = unit_rows(train::predict(f, d.x_test));
  const std::int64_t n = queries.size(0);
  double correct = 0;
  for (std::int64_t start = 0; start < n; start += 256) {  // a 256-row block of similarities
    const std::int64_t rows = std::min<std::int64_t>(256, n - start);
    const Tensor nearest =
        argmax(matmul(queries.narrow_rows(start, rows), gallery, false, true), 1);
    for (std::int64_t i = 0; i < rows; ++i)
      correct += d.y_train.data<std::int64_t>()[nearest.data<std::int64_t>()[i]] ==
                 d.y_test.data<std::int64_t>()[start + i];
  }
  return correct / static_cast<double>(n);
}

// Best accuracy of "similar iff cosine above a threshold" over every threshold.
double verification(nn::Module& f, const Tensor& x, const Pairs& p) {
  const Tensor ea = unit_rows(train::predict(f, index_select(x, 0, p.a)));
  const Tensor eb = unit_rows(train::predict(f, index_select(x, 0, p.b)));
  const std::vector<double> cos = sum(mul(ea, eb), {1}).to(kFloat64).to_vector();
  return examples::best_threshold_accuracy(cos, p.y.values<float>(), /*higher_is_similar=*/true);
}

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "cosine_embedding_loss", .epochs = 10, .uses_fashion = true};
  examples::Flags app{
      "minidl example: cosine_embedding_loss, a Fashion-MNIST embedding from pairs"};
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
    const double nn_before = nearest_neighbour_accuracy(*model, f);
    const std::int64_t steps = f.x_train.size(0) / kBatch;
    for (std::int64_t epoch = 0; epoch < epochs; ++epoch) {
      for (std::int64_t step = 0; step < steps; ++step) {
        const Pairs batch = train_pairs.sample(kBatch, gen);
        adam.zero_grad();
        const Variable ea = (*model)(Variable(index_select(f.x_train, 0, batch.a)));
        const Variable eb = (*model)(Variable(index_select(f.x_train, 0, batch.b)));
        backward(losses::cosine_embedding_loss(ea, eb, Variable(batch.y)));
        adam.step();
      }
    }
    const double after = verification(*model, f.x_test, test_pairs);
    const double nn_after = nearest_neighbour_accuracy(*model, f);
    std::printf(
        "test pair verification accuracy (best cosine threshold) %.4f -> %.4f after %lld "
        "epochs of %lld pairs\n",
        before, after, static_cast<long long>(epochs), static_cast<long long>(steps * kBatch));
    std::printf("test 1-NN accuracy (cosine, training images as the gallery) %.4f -> %.4f\n",
                nn_before, nn_after);
    return examples::report({.example = opt.name,
                             .loss = "cosine_embedding_loss",
                             .family = "ranking",
                             .metric = "pair verification accuracy",
                             .before = before,
                             .after = after,
                             .higher_is_better = true},
                            opt);
  });
}
