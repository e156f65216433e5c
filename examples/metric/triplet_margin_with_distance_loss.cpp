// triplet_margin_with_distance_loss example: a CNN embedding of Fashion-MNIST trained with
// PyTorch's triplet_margin_with_distance_loss and the cosine distance 1 - cos(u, v).
//
// The point of the "with distance" variant is to train in the geometry the embedding will be
// searched with. Cosine distance ignores the length of an embedding, so the network cannot
// satisfy the margin by simply scaling everything up, and retrieval here is by cosine. Triplets
// come from batch-hard mining in the same cosine geometry (the hardest positive and negative of
// each anchor of a P x K batch); the margin is 0.2 on a distance in [0, 2].
//
//   triplet_margin_with_distance_loss [--quick] [--epochs N] [--steps N] [--out DIR] [--seed S]
#include "autograd/ops.h"
#include "examples/common/embedding.h"
#include "examples/common/flags.h"
#include "losses/metric.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "triplet_margin_with_distance_loss",
                               .epochs = 4,
                               .budget = examples::Budget::kEpochsOrSteps,
                               .uses_fashion = true};
  examples::Flags app{"minidl example: triplet_margin_with_distance_loss (cosine), Fashion-MNIST"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    return examples::run_metric_example(
        opt,
        {.loss = "triplet_margin_with_distance_loss",
         .eval_distance = metrics::RetrievalDistance::kCosine},
        [](const Variable& emb, const Tensor& labels) {
          const losses::TripletTuples t = losses::batch_hard_triplets(
              emb.value(), labels, {.distance = losses::Distance::kCosine});
          return losses::triplet_margin_with_distance_loss(
              index_select(emb, 0, t.anchor), index_select(emb, 0, t.positive),
              index_select(emb, 0, t.negative),
              {.distance_function = losses::cosine_distance, .margin = 0.2});
        });
  });
}
