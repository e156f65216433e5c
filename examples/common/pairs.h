// Same/different image pairs for the pair-based examples (ranking and verification), the
// verification accuracy of a pair score at its best threshold, and the training run the
// pair-embedding examples (cosine_embedding_loss, hinge_embedding_loss) share.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "autograd/variable.h"
#include "examples/common/example.h"
#include "nn/module.h"
#include "tensor/random.h"
#include "tensor/tensor.h"

namespace minidl::examples {

// Pairs of sample indices a, b [n] (int64) with labels y [n] (float32: +1 same class, -1
// different), alternating same and different.
struct Pairs {
  Tensor a, b, y;
};

class PairSampler {
 public:
  // labels: int64 [N] class indices in [0, num_classes); every class must have a sample.
  PairSampler(const Tensor& labels, std::int64_t num_classes = 10);
  // a uniform; b uniform within a's class (even k) or within another uniformly chosen class.
  Pairs sample(std::int64_t n, Generator& gen) const;

 private:
  Tensor labels_;
  std::vector<std::vector<std::int64_t>> by_class_;
};

// The best accuracy of "similar iff score < t" (higher_is_similar = false, e.g. a distance) or
// "similar iff score > t" (true, e.g. a cosine) over every threshold t; y holds +1 / -1.
double best_threshold_accuracy(const std::vector<double>& score, const std::vector<float>& y,
                               bool higher_is_similar);

// One pair-embedding example (examples/ranking/{cosine,hinge}_embedding_loss.cpp): a
// 784-128-32 MLP f trained on pairs of Fashion-MNIST images, half same-class (y = +1), half not
// (y = -1).
struct PairEmbeddingExample {
  std::string loss;       // registry name, for the report
  std::string threshold;  // how the printed line names the verification threshold
  // The loss of a batch: embeddings f(a), f(b) [B, 32] and the pair labels y float32 [B].
  std::function<Variable(const Variable& ea, const Variable& eb, const Tensor& y)> loss_fn;
  // Verification accuracy of f on the pairs p of x at the best threshold (the metric).
  std::function<double(nn::Module& f, const Tensor& x, const Pairs& p)> verification;
  // A second figure printed before and after (e.g. 1-NN accuracy), named by side_metric_name;
  // may be empty.
  std::function<double(nn::Module& f, const Fashion& data)> side_metric = {};
  std::string side_metric_name = "";
};

// The run those examples share: Fashion-MNIST (quick mode: the first 5,000 / 2,000 samples), 4000
// fixed test pairs, Adam (lr 1e-3) on batches of 128 fresh pairs, an epoch being as many pairs as
// training images, options.epochs epochs (2 in quick mode); the verification accuracy on the test
// pairs printed and reported before and after. Returns the exit code.
int run_pair_embedding_example(const ExampleOptions& options, const PairEmbeddingExample& example);

}  // namespace minidl::examples
