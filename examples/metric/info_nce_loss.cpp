// info_nce_loss example: a CNN embedding of Fashion-MNIST trained with InfoNCE (van den Oord et
// al. 2018) on pairs cut from P x K batches.
//
// InfoNCE needs two views whose row i matches and whose other rows are negatives. Here the two
// views of a "pair" are two different images of the same class (the supervised reading of a
// positive pair, as N-pair batches are built), taken from a P x K batch (P = 8 classes, K = 8):
// the K images of each class are split into K / 2 groups of one pair per class, so every group
// holds P pairs of P distinct classes and none of its negatives shares the query's class (no
// false negatives). The loss is the mean of InfoNCE over the K / 2 groups. Cosine similarity with
// MoCo's tau = 0.07, so retrieval is evaluated by cosine.
//
//   info_nce_loss [--quick] [--epochs N] [--steps N] [--out DIR] [--seed S] [--data DIR]
#include <map>
#include <vector>

#include "autograd/functional.h"
#include "examples/common/embedding.h"
#include "losses/metric_softmax.h"

using namespace minidl;

namespace {

// Row positions of the pairs: group g holds (positions[2g], positions[2g + 1]) of every class.
// Returns {query index, key index} per group (classes with too few samples are skipped).
std::vector<std::pair<Tensor, Tensor>> pair_groups(const Tensor& labels) {
  std::map<std::int64_t, std::vector<std::int64_t>> rows;
  const std::vector<std::int64_t> y = labels.values<std::int64_t>();
  for (std::size_t i = 0; i < y.size(); ++i) rows[y[i]].push_back(static_cast<std::int64_t>(i));
  std::vector<std::pair<Tensor, Tensor>> groups;
  for (std::size_t g = 0;; ++g) {
    std::vector<std::int64_t> q, k;
    for (const auto& [label, r] : rows)
      if (r.size() >= 2 * g + 2) {
        q.push_back(r[2 * g]);
        k.push_back(r[2 * g + 1]);
      }
    if (q.size() < 2) break;
    groups.emplace_back(from_vector(q), from_vector(k));
  }
  return groups;
}

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "info_nce_loss", .epochs = 4};
  CLI::App app{"minidl example: info_nce_loss, a Fashion-MNIST CNN embedding"};
  examples::add_standard_flags(app, opt);
  CLI11_PARSE(app, argc, argv);
  return examples::run(opt.name, [&] {
    return examples::run_metric_example(
        opt, {.loss = "info_nce_loss", .eval_distance = metrics::RetrievalDistance::kCosine},
        [](const Variable& emb, const Tensor& labels) {
          const auto groups = pair_groups(labels);
          Variable total;
          for (const auto& [q, k] : groups) {
            const Variable l =
                losses::info_nce_loss(index_select(emb, 0, q), index_select(emb, 0, k));
            total = total.defined() ? total + l : l;
          }
          return total / static_cast<double>(groups.size());
        });
  });
}
