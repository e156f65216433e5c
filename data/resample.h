// Resampling for imbalanced classification (layer 3): change which samples training sees instead
// of how the loss weighs them (for that, see losses/imbalance.h).
//
//   random_oversample     every class drawn up to the largest class's count (with replacement)
//   random_undersample    every class cut to the smallest class's count (without replacement)
//   make_imbalance        every listed class cut to a given count (to build imbalanced data sets)
//   WeightedRandomSampler a Sampler drawing indices with per-sample probabilities, each epoch
//   ClassBalancedSampler  the same with weight 1 / n_{y_i}: every class equally likely per draw
//   smote                 new minority samples on segments between same-class neighbours
//
// Shapes: labels int64 [N]; x [N, D] float32 or float64. The index functions return positions
// into those N samples (for a Subset, or index_select on the tensors). Everything is seeded and
// does not depend on the thread count. These mirror imbalanced-learn's RandomOverSampler,
// RandomUnderSampler, make_imbalance and SMOTE, and PyTorch's WeightedRandomSampler.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "data/dataset.h"
#include "data/sampler.h"
#include "index/factory.h"
#include "tensor/tensor.h"

namespace minidl::data {

struct ResampleOptions {
  std::uint64_t seed = 0;
};

// Every sample once, in order, followed by draws with replacement from each class with fewer
// samples than the largest one, until it has as many (classes in ascending order). Classes are
// the label values present; the result has C_present * max_c n_c indices.
Indices random_oversample(const Tensor& labels, const ResampleOptions& options = {});
// min_c n_c samples of every present class, drawn without replacement; ascending positions.
Indices random_undersample(const Tensor& labels, const ResampleOptions& options = {});
// At most counts[c] samples of each class c in `counts` (drawn without replacement), every sample
// of the other classes; ascending positions. A count above the class size keeps the whole class.
Indices make_imbalance(const Tensor& labels, const std::map<std::int64_t, std::int64_t>& counts,
                       const ResampleOptions& options = {});

struct WeightedSamplerOptions {
  std::int64_t num_samples = -1;  // per epoch; -1 means the number of weights
  bool replacement = true;        // without: each index at most once per epoch
  std::uint64_t seed = 0;
};

// torch.utils.data.WeightedRandomSampler: each epoch draws num_samples indices, index i with
// probability w_i / sum_j w_j (weights >= 0, finite, not all 0). Without replacement it draws
// sequentially without putting back (Efraimidis-Spirakis keys u^(1/w_i), the same
// distribution), so num_samples may not exceed the number of positive weights.
class WeightedRandomSampler : public Sampler {
 public:
  explicit WeightedRandomSampler(std::vector<double> weights,
                                 const WeightedSamplerOptions& options = {});
  std::int64_t size() const override { return num_samples_; }
  Indices indices(std::int64_t epoch) const override;
  const std::vector<double>& weights() const { return weights_; }

 private:
  std::vector<double> weights_;
  std::vector<double> cumulative_;  // running sums, for drawing with replacement
  std::int64_t num_samples_;
  WeightedSamplerOptions options_;
};

// Weight 1 / n_{y_i} for sample i: every present class has the same chance per draw, so an
// epoch (num_samples = N by default) holds about N / C_present samples of each class.
class ClassBalancedSampler : public WeightedRandomSampler {
 public:
  explicit ClassBalancedSampler(const Tensor& labels, const WeightedSamplerOptions& options = {});
};

struct SmoteOptions {
  std::int64_t k_neighbors = 5;    // neighbours within the class (imbalanced-learn's default)
  std::int64_t target_count = -1;  // raise every smaller class to this count; -1: the largest
  std::uint64_t seed = 0;
  // Neighbours from this index kind (index/factory.h; its metric is used as given) instead of
  // the exact search below: for large classes, e.g. {.kind = "hnsw"}.
  std::optional<index::IndexSpec> index = std::nullopt;
};

struct Resampled {
  Tensor x;  // [N + S, D]: the N originals in order, then the S synthetic samples
  Tensor y;  // int64 [N + S]
  std::int64_t num_synthetic = 0;
};

// SMOTE (Chawla, Bowyer, Hall and Kegelmeyer, JAIR 2002). For each class c with n_c below the
// target, target - n_c synthetic samples (classes in ascending order), each
//   x_new = x_i + u (x_j - x_i),   u ~ U[0, 1)
// where (i, j) is drawn uniformly among the pairs "sample i of class c, one of its k nearest
// neighbours j in class c" (Euclidean, i itself excluded). A class that needs new samples must
// have more than k samples. Neighbours are searched only for the samples drawn as i, so a class
// that needs few new samples costs little however large it is. x float32 or float64 [N, D]; the
// result keeps x's dtype (the interpolation runs in float64).
Resampled smote(const Tensor& x, const Tensor& labels, const SmoteOptions& options = {});

// The k nearest rows (Euclidean) of each row of x [n, D] listed in `rows` (all rows when empty),
// itself excluded, nearest first, ties to the lower index: int64 [rows, k] of row numbers of x.
// Searched by the exact index (index/exact.h: float32 GEMM tiles, |a|^2 - 2 a.b, fused top-k;
// float64 x is compared in float32); needs 0 < k < n.
Tensor nearest_neighbors(const Tensor& x, std::int64_t k, const Indices& rows = {});
// The same through any index (index/index.h) built over x from spec: each listed row asks for
// k + 1 neighbours and drops itself (by row number), so an exact index gives the exact answer up
// to float32 rounding and an approximate one its recall. A row left with fewer than k other
// neighbours (an approximate index that missed them) is an error naming the row.
Tensor nearest_neighbors(const Tensor& x, std::int64_t k, const index::IndexSpec& spec,
                         const Indices& rows = {});

}  // namespace minidl::data
