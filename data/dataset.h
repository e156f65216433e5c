// Datasets: a size and a way to fetch a batch of samples by index. Splits of index sets.
//
// Shapes: a TensorDataset over X [N, ...] and y [N, ...] gives batches {X[idx], y[idx]}.
// Index sets are std::vector<std::int64_t> (Indices); every split and fold is seeded, so the same
// seed gives the same split on any machine and thread count.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "tensor/tensor.h"

namespace minidl::data {

using Indices = std::vector<std::int64_t>;

struct Batch {
  Tensor inputs;    // [B, ...]
  Tensor targets;   // [B, ...]; undefined for a dataset without targets
  Indices indices;  // dataset positions of the B samples (set by the DataLoader)
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual std::int64_t size() const = 0;
  // The samples at `indices`, in that order, stacked along axis 0. The tensors may share storage
  // with the dataset: treat them as read-only. Must be safe to call from another thread while the
  // caller's thread does other work (the loader prefetches with it).
  virtual Batch get_batch(std::span<const std::int64_t> indices) const = 0;
  // Class label of every sample as int64 [N], for stratified splits and class-aware samplers;
  // undefined when the dataset has no class labels.
  virtual Tensor labels() const { return {}; }
};

// Samples are rows of X (and y). A run of consecutive indices comes back as a view (no copy);
// any other index list is gathered with one index_select per tensor.
class TensorDataset : public Dataset {
 public:
  // y may be undefined (inputs only); otherwise its first axis must match X's.
  TensorDataset(Tensor x, Tensor y = {});
  std::int64_t size() const override { return x_.size(0); }
  Batch get_batch(std::span<const std::int64_t> indices) const override;
  // y itself when it is int64 [N]; undefined otherwise.
  Tensor labels() const override;
  const Tensor& inputs() const { return x_; }
  const Tensor& targets() const { return y_; }

 private:
  Tensor x_, y_;
};

// Samples stored as bytes, as image files hold them (one byte per pixel), decoded per batch to
// float32: inputs = float32(byte * scale), so scale 1/255 gives pixels in [0, 1] bit-identical to
// load_fashion_mnist's float32 images. A quarter of the memory of a float32 TensorDataset (47 MB
// instead of 188 MB for Fashion-MNIST's training images), and a shuffled batch gathers a quarter
// of the bytes. data holds size * prod(sample_shape) bytes, row-major; batches are
// [B, sample_shape...]; y (optional) as in TensorDataset, gathered with index_select.
class ByteDataset : public Dataset {
 public:
  ByteDataset(std::vector<std::uint8_t> data, Shape sample_shape, Tensor y = {},
              double scale = 1.0 / 255);
  std::int64_t size() const override { return n_; }
  Batch get_batch(std::span<const std::int64_t> indices) const override;
  Tensor labels() const override;
  const Shape& sample_shape() const { return sample_shape_; }

 private:
  std::vector<std::uint8_t> data_;
  Shape sample_shape_;
  Tensor y_;
  std::int64_t n_ = 0, sample_size_ = 0;
  float table_[256];  // float32(v * scale) for every byte value v
};

// The samples of `base` at `indices` (which may repeat, as an oversampler's do).
class Subset : public Dataset {
 public:
  Subset(std::shared_ptr<const Dataset> base, Indices indices);
  std::int64_t size() const override { return static_cast<std::int64_t>(indices_.size()); }
  Batch get_batch(std::span<const std::int64_t> indices) const override;
  Tensor labels() const override;
  const Indices& indices() const { return indices_; }
  const std::shared_ptr<const Dataset>& base() const { return base_; }

 private:
  std::shared_ptr<const Dataset> base_;
  Indices indices_;
};

// ---------------------------------------------------------------- splits
struct SplitIndices {
  Indices train;
  Indices val;  // both sorted ascending
};

struct SplitOptions {
  double val_fraction = 0.2;  // round(val_fraction * n) samples go to validation
  std::uint64_t seed = 0;
  // Without shuffling, train_val_split takes the last samples for validation (Keras'
  // validation_split); stratified_split always draws at random within each class.
  bool shuffle = true;
};

// A random (seeded) train/validation split of 0..n-1.
SplitIndices train_val_split(std::int64_t n, const SplitOptions& options = {});
// Each class (labels int64 [N]) split in the same proportion: the validation set has
// round(val_fraction * n) samples and each class's share differs from val_fraction * n_c by less
// than one sample (largest-remainder allocation).
SplitIndices stratified_split(const Tensor& labels, const SplitOptions& options = {});

struct KFoldOptions {
  bool shuffle = false;  // as scikit-learn: folds of consecutive indices unless shuffled
  std::uint64_t seed = 0;
};
// k folds; fold i's val is the i-th block (sizes differ by at most one, larger first) and its
// train is everything else. Every index is in exactly one val set.
std::vector<SplitIndices> kfold(std::int64_t n, std::int64_t k, const KFoldOptions& options = {});
// Each class's samples are dealt round-robin over the folds, so every fold's class counts differ
// from n_c / k by less than one and fold sizes by at most one.
std::vector<SplitIndices> stratified_kfold(const Tensor& labels, std::int64_t k,
                                           const KFoldOptions& options = {});

// Convenience: the two Subsets of a split.
std::pair<std::shared_ptr<Subset>, std::shared_ptr<Subset>> split_dataset(
    const std::shared_ptr<const Dataset>& base, const SplitIndices& split);

}  // namespace minidl::data
