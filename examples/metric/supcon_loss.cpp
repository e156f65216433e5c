// supcon_loss example: a CNN embedding of Fashion-MNIST trained with the supervised contrastive
// loss (Khosla et al. 2020, L_out form).
//
// SupCon is the label-aware generalisation of NT-Xent: every same-class sample in the batch is a
// positive of the anchor (not just its augmented twin), every other sample a negative, and the
// softmax over the whole batch weighs them all at once. A P x K batch (P = 8 classes, K = 8 images)
// gives each anchor K - 1 = 7 positives and 56 negatives. Embeddings are L2-normalised (cosine
// similarity, the paper's unit hypersphere) with tau = 0.1, so retrieval is evaluated by cosine.
//
//   supcon_loss [--quick] [--epochs N] [--steps N] [--out DIR] [--seed S] [--data DIR]
#include "examples/common/embedding.h"
#include "examples/common/flags.h"
#include "losses/metric_softmax.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "supcon_loss",
                               .epochs = 4,
                               .budget = examples::Budget::kEpochsOrSteps,
                               .uses_fashion = true};
  examples::Flags app{"minidl example: supcon_loss, a Fashion-MNIST CNN embedding"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    return examples::run_metric_example(
        opt, {.loss = "supcon_loss", .eval_distance = metrics::RetrievalDistance::kCosine},
        [](const Variable& emb, const Tensor& labels) {
          return losses::supcon_loss(emb, Variable(labels));
        });
  });
}
