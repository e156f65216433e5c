#include "examples/common/pairs.h"

#include <algorithm>
#include <cstdio>

#include "autograd/tape.h"
#include "optim/adam.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace minidl::examples {

PairSampler::PairSampler(const Tensor& labels, std::int64_t num_classes)
    : labels_(labels), by_class_(static_cast<std::size_t>(num_classes)) {
  for (std::int64_t i = 0; i < labels.numel(); ++i) {
    const std::int64_t c = labels.data<std::int64_t>()[i];
    MINIDL_CHECK(c >= 0 && c < num_classes, "PairSampler: label ", c, " out of range [0, ",
                 num_classes, ")");
    by_class_[static_cast<std::size_t>(c)].push_back(i);
  }
  for (std::size_t c = 0; c < by_class_.size(); ++c)
    MINIDL_CHECK(!by_class_[c].empty(), "PairSampler: class ", c, " has no sample");
}

Pairs PairSampler::sample(std::int64_t n, Generator& gen) const {
  const auto classes = static_cast<std::int64_t>(by_class_.size());
  Pairs p{empty({n}, kInt64), empty({n}, kInt64), empty({n})};
  for (std::int64_t k = 0; k < n; ++k) {
    const auto a = static_cast<std::int64_t>(gen.uniform() * static_cast<double>(labels_.numel()));
    const std::int64_t ca = labels_.data<std::int64_t>()[a];
    const bool same = k % 2 == 0;
    std::int64_t cb = ca;
    while (!same && cb == ca) cb = static_cast<std::int64_t>(gen.uniform() * classes);
    const auto& pool = by_class_[static_cast<std::size_t>(cb)];
    p.a.data<std::int64_t>()[k] = a;
    p.b.data<std::int64_t>()[k] =
        pool[static_cast<std::size_t>(gen.uniform() * static_cast<double>(pool.size()))];
    p.y.data<float>()[k] = same ? 1.0f : -1.0f;
  }
  return p;
}

double best_threshold_accuracy(const std::vector<double>& score, const std::vector<float>& y,
                               bool higher_is_similar) {
  std::vector<std::size_t> order(score.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](auto i, auto j) {
    return higher_is_similar ? score[i] > score[j] : score[i] < score[j];
  });
  // A threshold past every score: all pairs "different", right on every negative. Moving it
  // over one pair at a time turns that pair "similar".
  double correct = 0;
  for (float v : y) correct += v < 0;
  double best = correct;
  for (std::size_t k : order) best = std::max(best, correct += y[k] > 0 ? 1 : -1);
  return best / static_cast<double>(y.size());
}

int run_pair_embedding_example(const ExampleOptions& opt, const PairEmbeddingExample& example) {
  const Fashion f = load_fashion(opt, 5000, 2000);
  const std::int64_t epochs = opt.quick ? 2 : opt.epochs;
  constexpr std::int64_t kBatch = 128;
  Generator gen(opt.seed);
  const Pairs test_pairs = PairSampler(f.y_test).sample(4000, gen);
  const PairSampler train_pairs(f.y_train);
  auto model = mlp({784, 128, 32}, gen);
  optim::Adam adam(model->parameters(), {.lr = 1e-3});
  const double before = example.verification(*model, f.x_test, test_pairs);
  const double side_before = example.side_metric ? example.side_metric(*model, f) : 0;
  const std::int64_t steps = f.x_train.size(0) / kBatch;
  for (std::int64_t epoch = 0; epoch < epochs; ++epoch) {
    for (std::int64_t step = 0; step < steps; ++step) {
      const Pairs batch = train_pairs.sample(kBatch, gen);
      adam.zero_grad();
      const Variable ea = (*model)(Variable(index_select(f.x_train, 0, batch.a)));
      const Variable eb = (*model)(Variable(index_select(f.x_train, 0, batch.b)));
      backward(example.loss_fn(ea, eb, batch.y));
      adam.step();
    }
  }
  const double after = example.verification(*model, f.x_test, test_pairs);
  std::printf("test pair verification accuracy (%s) %.4f -> %.4f after %lld epochs of %lld pairs\n",
              example.threshold.c_str(), before, after, static_cast<long long>(epochs),
              static_cast<long long>(steps * kBatch));
  if (example.side_metric)
    std::printf("%s %.4f -> %.4f\n", example.side_metric_name.c_str(), side_before,
                example.side_metric(*model, f));
  return report({.example = opt.name,
                 .loss = example.loss,
                 .family = "ranking",
                 .metric = "pair verification accuracy",
                 .before = before,
                 .after = after,
                 .higher_is_better = true},
                opt);
}

}  // namespace minidl::examples
