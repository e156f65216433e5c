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
#include "losses/ranking.h"
#include "optim/adam.h"
#include "tensor/ops.h"
#include "train/fit.h"

using namespace minidl;

namespace {

// Pairs of image indices a, b [n] with labels y [n] (+1 same class, -1 different), half each:
// a uniform, b uniform within a's class or within another uniformly chosen class.
struct Pairs {
  Tensor a, b, y;
};

class PairSampler {
 public:
  explicit PairSampler(const Tensor& labels) : labels_(labels), by_class_(10) {
    for (std::int64_t i = 0; i < labels.numel(); ++i)
      by_class_[labels.data<std::int64_t>()[i]].push_back(i);
  }
  Pairs sample(std::int64_t n, Generator& gen) const {
    Pairs p{empty({n}, kInt64), empty({n}, kInt64), empty({n})};
    for (std::int64_t k = 0; k < n; ++k) {
      const auto a = static_cast<std::int64_t>(gen.uniform() * labels_.numel());
      const std::int64_t ca = labels_.data<std::int64_t>()[a];
      const bool same = k % 2 == 0;
      std::int64_t cb = ca;
      while (!same && cb == ca) cb = static_cast<std::int64_t>(gen.uniform() * 10);
      const auto& pool = by_class_[cb];
      p.a.data<std::int64_t>()[k] = a;
      p.b.data<std::int64_t>()[k] = pool[static_cast<std::size_t>(gen.uniform() * pool.size())];
      p.y.data<float>()[k] = same ? 1.0f : -1.0f;
    }
    return p;
  }

 private:
  Tensor labels_;
  std::vector<std::vector<std::int64_t>> by_class_;
};

// Distances [n] between the embeddings of the pairs' images.
Variable distances(nn::Module& f, const Tensor& x, const Pairs& p) {
  const Variable d = f(Variable(index_select(x, 0, p.a))) - f(Variable(index_select(x, 0, p.b)));
  return norm(d, 2.0, {1});
}

// Best accuracy of "similar iff score below a threshold" over every threshold.
double best_threshold_accuracy(const std::vector<double>& score, const std::vector<float>& y) {
  std::vector<std::size_t> order(score.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](auto i, auto j) { return score[i] < score[j]; });
  double negatives = 0;
  for (float v : y) negatives += v < 0;
  // Threshold below everything: all predicted dissimilar, right on every negative.
  double correct = negatives, best = correct;
  for (std::size_t k : order) {
    correct += y[k] > 0 ? 1 : -1;  // this pair moves to "similar"
    best = std::max(best, correct);
  }
  return best / static_cast<double>(y.size());
}

double verification(nn::Module& f, const Tensor& x, const Pairs& p) {
  NoGradGuard no_grad;
  f.eval();
  const std::vector<double> d = distances(f, x, p).value().to_vector();
  f.train();
  return best_threshold_accuracy(d, p.y.values<float>());
}

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "hinge_embedding_loss", .epochs = 10};
  CLI::App app{"minidl example: hinge_embedding_loss, a Fashion-MNIST embedding from pairs"};
  examples::add_standard_flags(app, opt);
  CLI11_PARSE(app, argc, argv);
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
