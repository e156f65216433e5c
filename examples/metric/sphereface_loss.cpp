// sphereface_loss example: a CNN embedding of Fashion-MNIST trained as a classifier with
// A-Softmax (Liu et al., SphereFace, CVPR 2017), then used for retrieval by cosine distance.
//
// SphereFace multiplies the target angle by m = 4 (psi(theta), a monotone extension of
// cos(4 theta)) against normalised class rows W [10, 64] (trained alongside the network,
// examples/metric/angular_head.h); the embedding is not normalised, its norm is the scale. The
// angular margin shapes directions, so the test set is scored by retrieval with cosine distance.
// A-Softmax with m = 4 from a random start barely trains, which is why every reference
// implementation anneals: the target logit (lambda cos + psi) / (1 + lambda) starts as plain
// softmax (lambda = 1500) and tightens to lambda = 5; this example uses clcarwin's PyTorch
// schedule, losses::sphereface_lambda(step). Quick mode's 60 steps stay near softmax (lambda
// ~200); full mode reaches the floor of 5.
//
//   sphereface_loss [--quick] [--epochs N] [--steps N] [--out DIR] [--seed S] [--data DIR]
#include <cstdio>

#include "examples/common/embedding.h"
#include "examples/common/flags.h"
#include "examples/metric/angular_head.h"
#include "losses/metric_angular.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "sphereface_loss",
                               .epochs = 4,
                               .budget = examples::Budget::kEpochsOrSteps,
                               .uses_fashion = true};
  examples::Flags app{"minidl example: sphereface_loss, a Fashion-MNIST CNN embedding"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    examples::ClassWeightHead head(10, examples::kEmbeddingDim, opt.seed + 7, 1e-2);
    std::int64_t step = 0;
    double lambda = 0;
    return examples::run_metric_example(
        opt,
        {.loss = "sphereface_loss",
         .eval_distance = metrics::RetrievalDistance::kCosine,
         .on_report = [&lambda] { std::printf("  annealing lambda %.1f\n", lambda); }},
        [&](const Variable& emb, const Tensor& labels) {
          lambda = losses::sphereface_lambda(++step);
          return losses::sphereface_loss(emb, Variable(labels), head.weight(),
                                         {.margin = 4, .anneal_lambda = lambda});
        });
  });
}
