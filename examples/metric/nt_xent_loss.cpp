// nt_xent_loss example: a CNN embedding of Fashion-MNIST trained with NT-Xent (SimCLR, Chen et
// al. 2020) on pairs cut from P x K batches.
//
// NT-Xent wants two views z1, z2 whose row i matches; each of the 2N rows is an anchor whose
// positive is its other view and whose negatives are the other 2N - 2 rows. SimCLR makes the views
// by augmenting one image twice (self-supervised); here, as a supervised variant that trains in a
// few seconds, the two views of a pair are two different images of the same class from a P x K
// batch (P = 8 classes, K = 8): the K images of a class are split into K / 2 groups of one pair
// per class, so within a group no negative shares the anchor's class. The loss is the mean of
// NT-Xent over the groups, with cosine similarity and SimCLR's tau = 0.5; retrieval is
// evaluated by cosine.
//
//   nt_xent_loss [--quick] [--epochs N] [--steps N] [--out DIR] [--seed S] [--data DIR]
#include "autograd/functional.h"
#include "examples/common/embedding.h"
#include "examples/common/flags.h"
#include "losses/metric_softmax.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "nt_xent_loss",
                               .epochs = 4,
                               .budget = examples::Budget::kEpochsOrSteps,
                               .uses_fashion = true};
  examples::Flags app{"minidl example: nt_xent_loss, a Fashion-MNIST CNN embedding"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    return examples::run_metric_example(
        opt, {.loss = "nt_xent_loss", .eval_distance = metrics::RetrievalDistance::kCosine},
        [](const Variable& emb, const Tensor& labels) {
          return examples::mean_over_class_pairs(
              emb, labels,
              [](const Variable& a, const Variable& b) { return losses::nt_xent_loss(a, b); });
        });
  });
}
