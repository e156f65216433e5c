// npair_loss example: a CNN embedding of Fashion-MNIST trained with the multi-class N-pair loss
// (Sohn 2016) on pairs cut from P x K batches.
//
// The N-pair loss wants N pairs of N different classes: anchor i's positive is positive i and the
// other N - 1 positives are its negatives, so one softmax pushes against all other classes at
// once. Sohn builds such batches by sampling N classes and two images of each; a P x K batch
// (P = 8 classes, K = 8) holds K / 2 such N-pair batches: the K images of a class are split into
// K / 2 groups of one pair per class (images 2g and 2g + 1). The loss is the mean over the groups,
// with the dot product (no normalisation, as the paper) and TensorFlow's norm penalty
// lambda = 0.002, so retrieval is evaluated by Euclidean distance.
//
//   npair_loss [--quick] [--epochs N] [--steps N] [--out DIR] [--seed S] [--data DIR]
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
  examples::ExampleOptions opt{.name = "npair_loss", .epochs = 4};
  CLI::App app{"minidl example: npair_loss, a Fashion-MNIST CNN embedding"};
  examples::add_standard_flags(app, opt);
  CLI11_PARSE(app, argc, argv);
  return examples::run(opt.name, [&] {
    return examples::run_metric_example(
        opt, {.loss = "npair_loss", .eval_distance = metrics::RetrievalDistance::kEuclidean},
        [](const Variable& emb, const Tensor& labels) {
          const auto groups = pair_groups(labels);
          Variable total;
          for (const auto& [q, k] : groups) {
            const Variable l = losses::npair_loss(index_select(emb, 0, q), index_select(emb, 0, k));
            total = total.defined() ? total + l : l;
          }
          return total / static_cast<double>(groups.size());
        });
  });
}
