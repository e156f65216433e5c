// Shared machinery of the metric-learning examples (examples/metric/<loss>.cpp): Fashion-MNIST
// images, a small CNN that embeds them in 64 dimensions, P x K batches from the m-per-class
// sampler, a training loop for any "embeddings + labels -> loss" function, retrieval and
// clustering scores on the test set before and after, and a PNG of the test embeddings.
//
// Every metric example has the same shape:
//   examples::ExampleOptions opt{.name = "batch_hard_triplet_loss", .epochs = 4};
//   ... flags, MINIDL_PARSE_FLAGS ...
//   return examples::run(opt.name, [&] {
//     return examples::run_metric_example(opt, {.loss = "batch_hard_triplet_loss"},
//         [](const Variable& emb, const Tensor& labels) {
//           return losses::batch_hard_triplet_loss(emb, Variable(labels));
//         });
//   });
// It prints P@1, MAP@R and NMI before and after training, writes <out>/embeddings.png (PCA of the
// test embeddings, rows L2-normalised first when retrieval is by cosine, coloured by class,
// untrained and trained side by side) and reports P@1 through examples::report (exit 1 unless it
// improved).
//
// The network (about 0.1 M parameters; 1.4 M multiply-adds per image):
//   conv 3x3 1->16 (pad 1) - ReLU - max pool 2     [N, 16, 14, 14]
//   conv 3x3 16->32 (pad 1) - ReLU - max pool 2    [N, 32, 7, 7]
//   flatten - linear 1568 -> 64                    [N, 64]
// No normalisation layer at the end: losses that want unit embeddings normalise them
// themselves (their normalize_embeddings option), and the evaluation follows the loss's geometry
// (Euclidean or cosine, MetricExampleOptions::eval_distance).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "autograd/variable.h"
#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "metrics/retrieval.h"
#include "nn/sequential.h"
#include "tensor/random.h"

namespace minidl::examples {

inline constexpr std::int64_t kEmbeddingDim = 64;

// Fashion-MNIST images [N, 1, 28, 28] standardised with the training pixels' mean and standard
// deviation; labels int64 [N]. Quick mode keeps the first quick_train / quick_test samples.
struct FashionImages {
  Tensor x_train, y_train, x_test, y_test;
};
FashionImages load_fashion_images(const ExampleOptions& options, std::int64_t quick_train = 2000,
                                  std::int64_t quick_test = 1000);

// The CNN above, PyTorch's default initialisation from gen.
std::shared_ptr<nn::Sequential> embedding_net(Generator& gen, std::int64_t dim = kEmbeddingDim);

// Embeddings of x [N, 1, 28, 28] in eval mode without gradients: float32 [N, dim].
Tensor embed(nn::Module& model, const Tensor& x, std::int64_t batch_size = 500);

struct EmbeddingScores {
  double precision_at_1 = 0;
  double map_at_r = 0;
  double nmi = 0;
};
// P@1 and MAP@R (every test sample queries all others; metrics/retrieval.h) and NMI of k-means
// with k = #classes (metrics/clustering.h) on the embeddings.
EmbeddingScores score_embeddings(const Tensor& embeddings, const Tensor& labels,
                                 metrics::RetrievalDistance distance, std::uint64_t seed,
                                 std::int64_t kmeans_restarts = 3);

// A metric loss as the training loop calls it: embeddings [B, dim] of a P x K batch (requires
// grad) and their labels int64 [B].
using EmbeddingLoss = std::function<Variable(const Variable& embeddings, const Tensor& labels)>;

// Two-view losses (N-pair, InfoNCE, NT-Xent) want N pairs of N different classes. A P x K batch
// holds K / 2 such sets: group g pairs images 2g and 2g + 1 of every class that has them. This is
// the mean of pair_loss(first views, second views) over the groups (groups with fewer than two
// classes are skipped).
using PairLoss = std::function<Variable(const Variable& first, const Variable& second)>;
Variable mean_over_class_pairs(const Variable& embeddings, const Tensor& labels,
                               const PairLoss& pair_loss);

struct MetricExampleOptions {
  std::string loss;                    // registry name, for the report
  std::int64_t classes_per_batch = 8;  // P
  std::int64_t samples_per_class = 8;  // K
  double lr = 1e-3;                    // Adam
  std::int64_t quick_steps = 60;       // quick mode's training steps (--steps overrides)
  // Evaluation geometry: kEuclidean for losses on raw distances, kCosine for losses that
  // normalise (or use cosine similarity).
  metrics::RetrievalDistance eval_distance = metrics::RetrievalDistance::kEuclidean;
  // Called after each progress line (a loss's own diagnostics, e.g. active triplets).
  std::function<void()> on_report = {};
};

// The training loop every metric-learning example shares: Adam on P x K batches of (x, y) from
// data::MPerClassSampler (seeded with options.seed + 1), for --steps steps if given, else
// quick_steps in quick mode, else options.epochs epochs; full mode anneals the learning rate to
// 0 by cosine (quick mode's few dozen steps keep it constant, as decaying it there only loses
// progress). Prints its plan and the mean loss ~3 (quick) or 10 times, calling on_report after
// each; a non-finite loss is an error. Returns the number of steps run.
struct EmbeddingTraining {
  std::int64_t classes_per_batch = 8;  // P
  std::int64_t samples_per_class = 8;  // K
  double lr = 1e-3;
  std::int64_t quick_steps = 60;
  std::function<void()> on_report = {};
};
std::int64_t train_embedding(nn::Module& model, const Tensor& x, const Tensor& y,
                             const EmbeddingLoss& loss, const ExampleOptions& options,
                             const EmbeddingTraining& training);

struct MetricRun {
  EmbeddingScores before, after;
  std::int64_t steps = 0;
  double seconds = 0;  // wall time of the whole run
};

// Trains embedding_net with Adam on P x K batches from data::MPerClassSampler for opt.epochs
// epochs (full mode, the learning rate cosine-annealed to 0 over the run) or
// quick_steps steps (quick mode; --steps sets the count in either), scores the test set before
// and after, prints both, writes the PNG.
MetricRun train_metric_embedding(const ExampleOptions& options, const MetricExampleOptions& metric,
                                 const EmbeddingLoss& loss);

// train_metric_embedding, then examples::report with metric "P@1" (MAP@R and NMI in the detail
// line); returns the exit code.
int run_metric_example(const ExampleOptions& options, const MetricExampleOptions& metric,
                       const EmbeddingLoss& loss);

// 2-D PCA projection of embeddings [N, D]: the top two principal directions of the centred data
// (power iteration with deflation on the D x D covariance), float64 [N, 2], divided by the
// standard deviation along the first so the axes read alike for any embedding scale.
Tensor pca_2d(const Tensor& embeddings);

// Scatter plots (one panel per (title, points [N, 2]) pair) of points coloured by label 0..9 with
// a legend of the Fashion-MNIST class names, written atomically as a PNG with PLplot's pngcairo.
void plot_embeddings(const std::vector<std::pair<std::string, Tensor>>& panels,
                     const Tensor& labels, const std::string& png_path, const std::string& title);

}  // namespace minidl::examples
