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
#include "autograd/functional.h"
#include "examples/common/embedding.h"
#include "examples/common/flags.h"
#include "losses/metric_softmax.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "npair_loss",
                               .epochs = 4,
                               .budget = examples::Budget::kEpochsOrSteps,
                               .uses_fashion = true};
  examples::Flags app{"minidl example: npair_loss, a Fashion-MNIST CNN embedding"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    return examples::run_metric_example(
        opt, {.loss = "npair_loss", .eval_distance = metrics::RetrievalDistance::kEuclidean},
        [](const Variable& emb, const Tensor& labels) {
          return examples::mean_over_class_pairs(
              emb, labels,
              [](const Variable& a, const Variable& b) { return losses::npair_loss(a, b); });
        });
  });
}
