// lifted_structure_loss example: a CNN embedding of Fashion-MNIST trained with the lifted
// structured loss (Song et al. 2016, smooth form).
//
// The lifted structure "lifts" a batch's vector of distances to the full N x N matrix: every
// positive pair is compared against every negative of both its ends at once, softly (log-sum-exp)
// instead of through one sampled triplet. That needs batches with many positive pairs and many
// negatives, which a P x K batch (P = 8 classes, K = 8 images: 224 positive pairs, each with 112
// negatives) provides. Euclidean distance with the paper's margin alpha = 1 on the raw (not
// normalised) embeddings; retrieval is evaluated by Euclidean distance.
//
//   lifted_structure_loss [--quick] [--epochs N] [--steps N] [--out DIR] [--seed S] [--data DIR]
#include "examples/common/embedding.h"
#include "examples/common/flags.h"
#include "losses/metric_softmax.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "lifted_structure_loss",
                               .epochs = 4,
                               .budget = examples::Budget::kEpochsOrSteps,
                               .uses_fashion = true};
  examples::Flags app{"minidl example: lifted_structure_loss, a Fashion-MNIST CNN embedding"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    return examples::run_metric_example(
        opt, {.loss = "lifted_structure_loss"}, [](const Variable& emb, const Tensor& labels) {
          return losses::lifted_structure_loss(emb, Variable(labels));
        });
  });
}
