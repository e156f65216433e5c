// cosface_loss example: a CNN embedding of Fashion-MNIST trained as a classifier with the large
// margin cosine loss (Wang et al., CosFace, CVPR 2018), then used for retrieval.
//
// CosFace is a classification head, not a tuple loss: a class weight matrix W [10, 64] (trained
// alongside the network, examples/metric/angular_head.h) and the embedding are both normalised,
// and the target cosine must beat every other class's cosine by the margin m = 0.35 before the
// softmax (scale s) is satisfied. What it leaves behind is an embedding whose classes occupy
// compact, separated caps on the sphere, so nearest neighbours by cosine distance are of the
// same class: the test set is scored by retrieval (P@1, MAP@R) with cosine distance, not by the
// head's accuracy. s = 64 is the paper's value for 10^4-class face data; with 10 classes a
// smaller s = 16 trains the tiny network faster (the paper's bound s >= (C-1)/C log((C-1)P/(1-P))
// is about 3 for C = 10, P = 0.9).
//
//   cosface_loss [--quick] [--epochs N] [--steps N] [--out DIR] [--seed S] [--data DIR]
#include "examples/common/embedding.h"
#include "examples/common/flags.h"
#include "examples/metric/angular_head.h"
#include "losses/metric_angular.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "cosface_loss",
                               .epochs = 4,
                               .budget = examples::Budget::kEpochsOrSteps,
                               .uses_fashion = true};
  examples::Flags app{"minidl example: cosface_loss, a Fashion-MNIST CNN embedding"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    examples::ClassWeightHead head(10, examples::kEmbeddingDim, opt.seed + 7, 1e-2);
    return examples::run_metric_example(
        opt, {.loss = "cosface_loss", .eval_distance = metrics::RetrievalDistance::kCosine},
        [&head](const Variable& emb, const Tensor& labels) {
          return losses::cosface_loss(emb, Variable(labels), head.weight(),
                                      {.scale = 16, .margin = 0.35});
        });
  });
}
