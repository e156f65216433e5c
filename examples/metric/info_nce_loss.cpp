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
#include "autograd/functional.h"
#include "examples/common/embedding.h"
#include "examples/common/flags.h"
#include "losses/metric_softmax.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "info_nce_loss",
                               .epochs = 4,
                               .budget = examples::Budget::kEpochsOrSteps,
                               .uses_fashion = true};
  examples::Flags app{"minidl example: info_nce_loss, a Fashion-MNIST CNN embedding"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    return examples::run_metric_example(
        opt, {.loss = "info_nce_loss", .eval_distance = metrics::RetrievalDistance::kCosine},
        [](const Variable& emb, const Tensor& labels) {
          return examples::mean_over_class_pairs(
              emb, labels,
              [](const Variable& a, const Variable& b) { return losses::info_nce_loss(a, b); });
        });
  });
}
