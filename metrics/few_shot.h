// Few-shot evaluation of embeddings (layer 3, namespace minidl::metrics): N-way K-shot episodes
// with a prototype classifier (Snell et al. 2017, "Prototypical Networks"), on embeddings of
// classes the embedding network was not trained on.
//
// Shapes: M samples, D features. embeddings float [M, D] (computed in double), labels int64 [M].
//
// One episode (seeded, see below):
//   1. draw n_way distinct classes among those with at least k_shot + n_query samples;
//   2. for each, draw k_shot + n_query distinct samples: the first k_shot are the support set,
//      the rest the queries;
//   3. prototype p_c = mean of class c's support embeddings;
//   4. each query is assigned the class of the nearest prototype by squared Euclidean distance
//      (ties to the class drawn first); accuracy = correct / (n_way * n_query).
// Over E episodes: mean accuracy a and the 95% confidence half-width 1.96 * sd / sqrt(E), sd the
// population standard deviation of the episode accuracies (numpy's std, as the common few-shot
// evaluation code reports it: mean +- ci95).
// Episode e draws from the seed's Philox stream at offset e * 2^32, so an episode's content does
// not depend on the other episodes or on the thread count (episodes run in parallel).
#pragma once

#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace minidl::metrics {

struct FewShotOptions {
  std::int64_t n_way = 5;
  std::int64_t k_shot = 1;
  std::int64_t n_query = 15;  // queries per class
  std::int64_t episodes = 600;
  std::uint64_t seed = 0;
};

struct FewShotResult {
  double mean_accuracy = 0;
  double ci95 = 0;                 // half-width: mean_accuracy +- ci95
  std::vector<double> accuracies;  // one per episode
};

FewShotResult few_shot_eval(const Tensor& embeddings, const Tensor& labels,
                            const FewShotOptions& options = {});

// The classifier of step 3-4 on its own: prototypes from support [S, D] with support_labels
// int64 [S], predicted labels int64 [Q] for queries [Q, D]. Classes are taken in increasing label
// value, so a tie goes to the smaller label.
Tensor prototype_classify(const Tensor& support, const Tensor& support_labels,
                          const Tensor& queries);

}  // namespace minidl::metrics
