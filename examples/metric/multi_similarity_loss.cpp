// multi_similarity_loss example: a CNN embedding of Fashion-MNIST trained with the
// multi-similarity loss and its pair mining (Wang et al. 2019).
//
// Multi-similarity weighs every pair of a batch by three similarities at once: its own (how hard
// it is), its relation to the anchor's other pairs (the soft log-sum-exp weights), and mining
// against the anchor's hardest pair of the other kind (eq. 7-8: negatives closer than the
// least-similar positive, positives less similar than the most-similar negative, margin 0.1).
// A P x K batch (P = 8 classes, K = 8 images) gives each anchor 7 positives and 56 negatives to
// mine from. Cosine similarity with the paper's alpha 2, beta 50, lambda 0.5; retrieval by cosine.
//
//   multi_similarity_loss [--quick] [--epochs N] [--steps N] [--out DIR] [--seed S] [--data DIR]
#include "examples/common/embedding.h"
#include "examples/common/flags.h"
#include "losses/metric_softmax.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "multi_similarity_loss",
                               .epochs = 4,
                               .budget = examples::Budget::kEpochsOrSteps,
                               .uses_fashion = true};
  examples::Flags app{"minidl example: multi_similarity_loss, a Fashion-MNIST CNN embedding"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    return examples::run_metric_example(
        opt,
        {.loss = "multi_similarity_loss", .eval_distance = metrics::RetrievalDistance::kCosine},
        [](const Variable& emb, const Tensor& labels) {
          return losses::multi_similarity_loss(emb, Variable(labels));
        });
  });
}
