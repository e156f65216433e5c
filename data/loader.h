// DataLoader: cuts a Sampler's order over a Dataset into batches, applies a transform to each
// batch's inputs and optionally prepares the next batches on a background thread.
//
//   DataLoader train(images, labels, {.batch_size = 128, .shuffle = true, .seed = 1});
//   for (std::int64_t e = 0; e < epochs; ++e)
//     for (Batch& b : train.epoch(e)) { ... b.inputs [B, 1, 28, 28], b.targets [B] ... }
//
// Reproducibility: epoch e's order and its augmentation are pure functions of (seed, e), so a run
// resumed at epoch k sees exactly the batches a straight run sees, and prefetching changes nothing
// but timing. Unshuffled batches of a TensorDataset are views (no copy); shuffled ones are one
// index_select per tensor. Batches are read-only: they may share storage with the dataset.
#pragma once

#include <cstdint>
#include <iterator>
#include <memory>

#include "data/dataset.h"
#include "data/sampler.h"
#include "data/transforms.h"

namespace minidl::data {

struct LoaderOptions {
  std::int64_t batch_size = 32;
  bool shuffle = false;  // a RandomSampler seeded with `seed`; ignored when `sampler` is set
  bool drop_last = false;
  std::uint64_t seed = 0;                    // shuffling and transform randomness
  std::shared_ptr<const Sampler> sampler{};  // custom order (class-balanced, m-per-class, ...)
  Transform transform{};                     // applied to each batch's inputs
  // Batches prepared ahead on a background thread (0: none, in the consumer's thread). An
  // exception there is rethrown to the consumer when it reaches that batch.
  std::int64_t prefetch = 0;
};

class DataLoader;

namespace detail {
struct EpochState;
}

// One pass over the data; iterate it once. Destroying it (also after a `break`) stops and joins
// the prefetch thread.
class Epoch {
 public:
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    Batch& operator*() const;
    Batch* operator->() const { return &**this; }
    Iterator& operator++();
    void operator++(int) { ++*this; }
    bool operator==(std::default_sentinel_t) const;

   private:
    friend class Epoch;
    explicit Iterator(Epoch* e) : epoch_(e) {}
    Epoch* epoch_;
  };

  Epoch(Epoch&&) noexcept;
  Epoch& operator=(Epoch&&) noexcept;
  ~Epoch();

  Iterator begin();
  std::default_sentinel_t end() { return {}; }
  // Pull style: the next batch into `out`, or false at the end of the epoch.
  bool next(Batch& out);
  std::int64_t num_batches() const;
  std::int64_t batches_taken() const;

 private:
  friend class DataLoader;
  explicit Epoch(std::unique_ptr<detail::EpochState> state);
  bool advance();  // loads the next batch into the current slot
  std::unique_ptr<detail::EpochState> state_;
};

class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions options = {});
  // Over a TensorDataset(x, y).
  DataLoader(Tensor x, Tensor y, LoaderOptions options = {});

  // Batches of epoch e (0-based).
  Epoch epoch(std::int64_t e) const;
  std::int64_t num_batches() const;  // per epoch
  std::int64_t batch_size() const { return options_.batch_size; }
  const Dataset& dataset() const { return *dataset_; }
  const Sampler& sampler() const { return *sampler_; }
  const LoaderOptions& options() const { return options_; }
  // Shared handles, so another loader can cut the same data in another order (dist/sampler.h).
  const std::shared_ptr<const Dataset>& dataset_ptr() const { return dataset_; }
  const std::shared_ptr<const Sampler>& sampler_ptr() const { return sampler_; }

 private:
  std::shared_ptr<const Dataset> dataset_;
  std::shared_ptr<const Sampler> sampler_;
  LoaderOptions options_;
};

}  // namespace minidl::data
