// hinge_embedding_loss example: a distance embedding of Fashion-MNIST learned from pairs.
//
// A 784-128-32 MLP f embeds an image. Training sees only pairs (a, b) labelled similar (same
// class, y = 1) or dissimilar (y = -1), half of each, and their distance d = |f(a) - f(b)|_2:
//   hinge_embedding_loss(d, y, margin = 1) = d for similar pairs, max(0, 1 - d) for dissimilar
// This is the loss made for a distance input: it pulls similar pairs together and pushes
// dissimilar ones out to the margin, and stops pushing once they are there (the contrastive
// loss of Hadsell et al. 2006 without its squares).
// Metric: pair verification accuracy on 4000 fixed test pairs (half similar): "same class" is
// predicted when d is below a threshold, taken at its best value on those pairs (so it measures
// how well distances separate the two kinds of pair, whatever their scale). Before and after.
//
//   hinge_embedding_loss [--quick] [--epochs N] [--out DIR] [--seed S] [--data DIR]
#include "autograd/functional.h"
#include "autograd/tape.h"
#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "examples/common/pairs.h"
#include "losses/ranking.h"
#include "tensor/ops.h"

using namespace minidl;

namespace {

using examples::Pairs;

// Distances [n] between the embeddings of the pairs' images.
Variable distances(nn::Module& f, const Tensor& x, const Pairs& p) {
  const Variable d = f(Variable(index_select(x, 0, p.a))) - f(Variable(index_select(x, 0, p.b)));
  return norm(d, 2.0, {1});
}

// Verification accuracy at the best distance threshold.
double verification(nn::Module& f, const Tensor& x, const Pairs& p) {
  NoGradGuard no_grad;
  f.eval();
  const std::vector<double> d = distances(f, x, p).value().to_vector();
  f.train();
  return examples::best_threshold_accuracy(d, p.y.values<float>(), /*higher_is_similar=*/false);
}

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "hinge_embedding_loss", .epochs = 10, .uses_fashion = true};
  examples::Flags app{"minidl example: hinge_embedding_loss, a Fashion-MNIST embedding from pairs"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    return examples::run_pair_embedding_example(
        opt, {.loss = "hinge_embedding_loss",
              .threshold = "best threshold",
              .loss_fn =
                  [](const Variable& ea, const Variable& eb, const Tensor& y) {
                    return losses::hinge_embedding_loss(norm(ea - eb, 2.0, {1}), Variable(y),
                                                        {.margin = 1.0});
                  },
              .verification = verification});
  });
}
