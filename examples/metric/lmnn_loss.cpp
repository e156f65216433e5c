// lmnn_loss example: a CNN embedding of Fashion-MNIST trained with the large-margin nearest
// neighbour loss (Weinberger and Saul 2009), target neighbours chosen inside each P x K batch.
//
// LMNN is made for exactly what P@1 measures: k-nearest-neighbour classification. It asks only
// that each sample's k nearest same-class neighbours (its target neighbours, k = 3 here) be
// close and that no other-class sample come within a unit margin of them; it never asks a whole
// class to collapse to a point, so classes may stay multi-modal. The paper learns a linear map of
// fixed inputs; here the map is the CNN, trained by Adam on the squared Euclidean distances of its
// raw (unnormalised) 64-d output, with mu = 0.5 (equal pull and push, the paper's and
// metric-learn's choice). Retrieval is Euclidean, the geometry the loss shapes.
//
//   lmnn_loss [--quick] [--epochs N] [--steps N] [--out DIR] [--seed S] [--data DIR]
#include "examples/common/embedding.h"
#include "examples/common/flags.h"
#include "losses/metric_proxy.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "lmnn_loss",
                               .epochs = 4,
                               .budget = examples::Budget::kEpochsOrSteps,
                               .uses_fashion = true};
  examples::Flags app{"minidl example: lmnn_loss, a Fashion-MNIST CNN embedding"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    return examples::run_metric_example(
        opt, {.loss = "lmnn_loss"}, [](const Variable& emb, const Tensor& labels) {
          return losses::lmnn_loss(emb, Variable(labels), {.k = 3, .mu = 0.5});
        });
  });
}
