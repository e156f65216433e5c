// adaptive_margin_triplet_loss example: a CNN embedding of Fashion-MNIST trained with a triplet
// loss whose margin is set per class pair by the Hierarchical Triplet Loss rule (Ge et al., ECCV
// 2018), with the class statistics taken from each P x K batch.
//
// A single global margin treats every pair of classes alike. HTL's margin alpha = beta +
// d(y_a, y_n) - s(y_a) follows the class structure instead: the mean distance between the two
// classes minus the spread of the anchor's class (here both measured on the current batch, under
// no gradient). HTL pairs the margin with hard triplets (its class hierarchy samples neighbouring,
// confusable classes together); this example gets hard triplets the batch-hard way (Hermans et
// al. 2017): each anchor's hardest positive and hardest negative in the 8 x 8 batch, whose
// negative class is mostly the anchor's most confusable one. Embeddings are L2-normalised (rows on
// the unit sphere keep the scale fixed, as in the batch-hard example), so retrieval is by cosine
// distance. The mean margin of the last batch's triplets is printed with each progress line.
//
//   adaptive_margin_triplet_loss [--quick] [--epochs N] [--steps N] [--out DIR] [--seed S]
//                                [--data DIR]
#include <cstdio>

#include "examples/common/embedding.h"
#include "examples/common/flags.h"
#include "losses/metric_angular.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "adaptive_margin_triplet_loss",
                               .epochs = 4,
                               .budget = examples::Budget::kEpochsOrSteps,
                               .uses_fashion = true};
  examples::Flags app{
      "minidl example: adaptive_margin_triplet_loss, a Fashion-MNIST CNN embedding"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    double mean_margin = 0;
    return examples::run_metric_example(
        opt,
        {.loss = "adaptive_margin_triplet_loss",
         .eval_distance = metrics::RetrievalDistance::kCosine,
         .on_report = [&] { std::printf("  last batch: mean margin %.3f\n", mean_margin); }},
        [&](const Variable& emb, const Tensor& labels) {
          const losses::AdaptiveMarginTripletLossOptions o{
              .beta = 0.1, .batch_hard = true, .normalize_embeddings = true};
          const losses::AdaptiveTriplets at =
              losses::adaptive_triplet_margins(emb.value(), labels, o);
          double sum = 0;
          for (double m : at.margins.to_vector()) sum += m;
          mean_margin =
              at.margins.numel() > 0 ? sum / static_cast<double>(at.margins.numel()) : 0.0;
          return losses::adaptive_margin_triplet_loss(emb, Variable(labels), o);
        });
  });
}
