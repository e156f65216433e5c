// arcface_loss example: a CNN embedding of Fashion-MNIST trained as a classifier with the
// additive angular margin loss (Deng et al., ArcFace, CVPR 2019), then used for retrieval.
//
// ArcFace is a classification head: the embedding and the rows of a class weight matrix W
// [10, 64] (trained alongside the network, examples/metric/angular_head.h) are normalised, and
// the target class must win the softmax with its angle widened by m = 0.5 rad, cos(theta_y + m).
// A margin in angle is a constant geodesic gap between classes on the sphere, which is exactly
// what cosine-distance retrieval needs: the test set is scored by P@1 / MAP@R with cosine
// distance, not by the head's accuracy. s = 64 is the paper's scale for 85k face identities;
// with 10 classes s = 16 trains the small network faster and the margin stays the paper's.
//
//   arcface_loss [--quick] [--epochs N] [--steps N] [--out DIR] [--seed S] [--data DIR]
#include "examples/common/embedding.h"
#include "examples/common/flags.h"
#include "examples/metric/angular_head.h"
#include "losses/metric_angular.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "arcface_loss",
                               .epochs = 4,
                               .budget = examples::Budget::kEpochsOrSteps,
                               .uses_fashion = true};
  examples::Flags app{"minidl example: arcface_loss, a Fashion-MNIST CNN embedding"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    examples::ClassWeightHead head(10, examples::kEmbeddingDim, opt.seed + 7, 1e-2);
    return examples::run_metric_example(
        opt, {.loss = "arcface_loss", .eval_distance = metrics::RetrievalDistance::kCosine},
        [&head](const Variable& emb, const Tensor& labels) {
          return losses::arcface_loss(emb, Variable(labels), head.weight(),
                                      {.scale = 16, .margin = 0.5});
        });
  });
}
