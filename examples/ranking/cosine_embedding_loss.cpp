// cosine_embedding_loss example: a cosine embedding of Fashion-MNIST learned from pairs.
//
// A 784-128-32 MLP f embeds an image. Training sees only pairs (a, b) labelled similar (same
// class, y = 1) or dissimilar (y = -1), half of each:
//   cosine_embedding_loss(f(a), f(b), y, margin = 0) = 1 - cos for similar pairs,
//                                                      max(0, cos) for dissimilar ones
// It trains directions only, never lengths: the loss for an embedding that will be searched by
// cosine similarity (the usual retrieval setting), where a distance loss would also spend
// effort on norms the search ignores.
// Metric: pair verification accuracy on 4000 fixed test pairs (half similar): "same class" is
// predicted when the cosine is above a threshold, taken at its best value on those pairs.
// Printed beside it: 1-nearest-neighbour accuracy by cosine (each test image takes the label of
// its most similar training image). That one moves little: a random embedding of the pixels
// already keeps most nearest neighbours, and margin 0 only asks dissimilar pairs to be
// orthogonal, not classes to be tight; what the loss buys is a global cosine scale on which one
// threshold separates same from different.
//
//   cosine_embedding_loss [--quick] [--epochs N] [--out DIR] [--seed S] [--data DIR]
#include <algorithm>

#include "autograd/functional.h"
#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "examples/common/pairs.h"
#include "losses/ranking.h"
#include "tensor/ops.h"
#include "train/fit.h"

using namespace minidl;

namespace {

using examples::Pairs;

// Rows scaled to unit length (a zero row stays zero).
Tensor unit_rows(const Tensor& e) {
  return div(e, maximum(norm(e, 2.0, {1}, true), full({1}, 1e-12)));
}

// 1-NN accuracy of the test set against the training set, by cosine similarity.
double nearest_neighbour_accuracy(nn::Module& f, const examples::Fashion& d) {
  const Tensor gallery = unit_rows(train::predict(f, d.x_train));
  const Tensor queries = unit_rows(train::predict(f, d.x_test));
  const std::int64_t n = queries.size(0);
  double correct = 0;
  for (std::int64_t start = 0; start < n; start += 256) {  // a 256-row block of similarities
    const std::int64_t rows = std::min<std::int64_t>(256, n - start);
    const Tensor nearest =
        argmax(matmul(queries.narrow_rows(start, rows), gallery, false, true), 1);
    for (std::int64_t i = 0; i < rows; ++i)
      correct += d.y_train.data<std::int64_t>()[nearest.data<std::int64_t>()[i]] ==
                 d.y_test.data<std::int64_t>()[start + i];
  }
  return correct / static_cast<double>(n);
}

// Best accuracy of "similar iff cosine above a threshold" over every threshold.
double verification(nn::Module& f, const Tensor& x, const Pairs& p) {
  const Tensor ea = unit_rows(train::predict(f, index_select(x, 0, p.a)));
  const Tensor eb = unit_rows(train::predict(f, index_select(x, 0, p.b)));
  const std::vector<double> cos = sum(mul(ea, eb), {1}).to(kFloat64).to_vector();
  return examples::best_threshold_accuracy(cos, p.y.values<float>(), /*higher_is_similar=*/true);
}

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "cosine_embedding_loss", .epochs = 10, .uses_fashion = true};
  examples::Flags app{
      "minidl example: cosine_embedding_loss, a Fashion-MNIST embedding from pairs"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    return examples::run_pair_embedding_example(
        opt, {.loss = "cosine_embedding_loss",
              .threshold = "best cosine threshold",
              .loss_fn =
                  [](const Variable& ea, const Variable& eb, const Tensor& y) {
                    return losses::cosine_embedding_loss(ea, eb, Variable(y));
                  },
              .verification = verification,
              .side_metric = nearest_neighbour_accuracy,
              .side_metric_name = "test 1-NN accuracy (cosine, training images as the gallery)"});
  });
}
