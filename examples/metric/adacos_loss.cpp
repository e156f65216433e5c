// adacos_loss example: a CNN embedding of Fashion-MNIST trained as a classifier with AdaCos
// (Zhang et al., CVPR 2019), then used for retrieval by cosine distance.
//
// AdaCos is the cosine-softmax head (normalised embedding against normalised class rows W
// [10, 64], trained alongside the network, examples/metric/angular_head.h) without a margin and
// without a scale to tune: the dynamic scale is recomputed every step from the batch (the
// median target angle and the average non-target mass), so the softmax stays in its steep part
// as the classes separate. The scale is training state the example keeps (losses::AdaCosState)
// and prints; it starts from the fixed sqrt(2) log 9 = 3.1 and then follows the batches (here it
// falls as the non-target mass B_avg shrinks). The test set is scored by retrieval (P@1, MAP@R)
// with cosine distance.
//
//   adacos_loss [--quick] [--epochs N] [--steps N] [--out DIR] [--seed S] [--data DIR]
#include <cstdio>

#include "examples/common/embedding.h"
#include "examples/common/flags.h"
#include "examples/metric/angular_head.h"
#include "losses/metric_angular.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "adacos_loss",
                               .epochs = 4,
                               .budget = examples::Budget::kEpochsOrSteps,
                               .uses_fashion = true};
  examples::Flags app{"minidl example: adacos_loss, a Fashion-MNIST CNN embedding"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    examples::ClassWeightHead head(10, examples::kEmbeddingDim, opt.seed + 7, 1e-2);
    losses::AdaCosState state;
    return examples::run_metric_example(
        opt,
        {.loss = "adacos_loss",
         .eval_distance = metrics::RetrievalDistance::kCosine,
         .on_report =
             [&state] {
               std::printf("  AdaCos scale %.2f (median target angle %.1f deg, B_avg %.2f)\n",
                           state.scale, state.theta_med * 180 / 3.141592653589793, state.b_avg);
             }},
        [&](const Variable& emb, const Tensor& labels) {
          return losses::adacos_loss(emb, Variable(labels), head.weight(),
                                     {.dynamic = true, .state = &state});
        });
  });
}
