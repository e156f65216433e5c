// Samplers decide which samples an epoch visits and in what order; the DataLoader cuts that order
// into batches. Class-balanced and oversampling samplers (imbalance work) and m-per-class samplers
// (metric learning) implement the same interface and plug into LoaderOptions::sampler.
//
// Contract: indices(epoch) is a pure function of the sampler's settings and the epoch number. So
// resuming a run at epoch k visits the same samples in the same order as a straight run, and a
// background prefetch thread cannot change it. Draw randomness from epoch_generator(seed, epoch).
#pragma once

#include <cstdint>

#include "data/dataset.h"
#include "tensor/random.h"

namespace minidl::data {

class Sampler {
 public:
  virtual ~Sampler() = default;
  // Number of indices one epoch yields (may differ from the dataset size: over/undersampling).
  virtual std::int64_t size() const = 0;
  // Dataset positions for `epoch` (0-based), in visiting order; may repeat indices.
  virtual Indices indices(std::int64_t epoch) const = 0;
};

// The generator a seeded sampler uses for `epoch`: the seed's Philox stream from offset
// epoch * 2^40, so epochs never share random numbers (an epoch would need 2^40 draws to overlap).
Generator epoch_generator(std::uint64_t seed, std::int64_t epoch);

// 0, 1, ..., n-1 every epoch.
class SequentialSampler : public Sampler {
 public:
  explicit SequentialSampler(std::int64_t n);
  std::int64_t size() const override { return n_; }
  Indices indices(std::int64_t epoch) const override;

 private:
  std::int64_t n_;
};

struct RandomSamplerOptions {
  std::uint64_t seed = 0;
  bool replacement = false;       // draw each index uniformly and independently
  std::int64_t num_samples = -1;  // per epoch; -1 means n. Without replacement, more than n
                                  // chains fresh permutations.
};

// A fresh seeded permutation of 0..n-1 each epoch (or draws with replacement).
class RandomSampler : public Sampler {
 public:
  explicit RandomSampler(std::int64_t n, const RandomSamplerOptions& options = {});
  std::int64_t size() const override { return num_samples_; }
  Indices indices(std::int64_t epoch) const override;

 private:
  std::int64_t n_;
  std::int64_t num_samples_;
  RandomSamplerOptions options_;
};

}  // namespace minidl::data
