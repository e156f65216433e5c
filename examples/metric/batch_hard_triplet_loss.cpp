// batch_hard_triplet_loss example: a CNN embedding of Fashion-MNIST trained with the batch-hard
// triplet loss (Hermans, Beyer and Leibe 2017).
//
// Batch hard is made for P x K batches: each of the P K anchors has K - 1 positives and
// (P - 1) K negatives in its batch, and the loss looks only at its hardest positive and hardest
// negative, so every step works on the triplets that still matter (random triplets are soon
// almost all satisfied). The paper's soft margin, softplus(D_ap - D_an), keeps pulling even
// satisfied triplets together a little and needs no margin to tune; it is what they recommend and
// what this example uses. From a random network, though, the hardest positive starts out farther
// than the hardest negative for most anchors, and shrinking the whole embedding towards one point
// lowers every such term: unnormalised, the embedding collapses within a few dozen steps
// (P@1 falls; pytorch-metric-learning issue #20 reports the same). L2-normalised rows
// (normalize_embeddings) take the scale away, and training works; retrieval is then by cosine.
//
//   batch_hard_triplet_loss [--quick] [--epochs N] [--steps N] [--out DIR] [--seed S] [--data DIR]
#include <cstdio>

#include "examples/common/embedding.h"
#include "examples/common/flags.h"
#include "losses/metric.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "batch_hard_triplet_loss",
                               .epochs = 4,
                               .budget = examples::Budget::kEpochsOrSteps,
                               .uses_fashion = true};
  examples::Flags app{"minidl example: batch_hard_triplet_loss, a Fashion-MNIST CNN embedding"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    losses::TripletDiagnostics diag;
    return examples::run_metric_example(
        opt,
        {.loss = "batch_hard_triplet_loss",
         .eval_distance = metrics::RetrievalDistance::kCosine,
         .on_report =
             [&diag] {
               std::printf("  last batch: %lld anchors, mean D(a, p*) %.3f, D(a, n*) %.3f\n",
                           static_cast<long long>(diag.num_triplets), diag.mean_positive,
                           diag.mean_negative);
             }},
        [&diag](const Variable& emb, const Tensor& labels) {
          return losses::batch_hard_triplet_loss(
              emb, Variable(labels),
              {.soft_margin = true, .normalize_embeddings = true, .diagnostics = &diag});
        });
  });
}
