// Seeded random numbers whose stream does not depend on the thread count.
//
// Generator is counter-based (Philox-4x32-10, Salmon et al. 2011): value i of a draw is a pure
// function of (seed, offset + i), so kernels can fill any chunk on any thread and get the same
// bits. Each draw advances the generator's offset by the number of counters it used.
#pragma once

#include <cstdint>

#include "tensor/tensor.h"

namespace minidl {

class Generator {
 public:
  explicit Generator(std::uint64_t seed = 0) : seed_(seed) {}
  std::uint64_t seed() const { return seed_; }
  std::uint64_t offset() const { return offset_; }
  void set_state(std::uint64_t seed, std::uint64_t offset) {
    seed_ = seed;
    offset_ = offset;
  }
  // Reserves n counters and returns the first.
  std::uint64_t reserve(std::uint64_t n) {
    std::uint64_t first = offset_;
    offset_ += n;
    return first;
  }
  // One uniform double in [0, 1) / one 64-bit value, for sequential algorithms (shuffles).
  double uniform();
  std::uint64_t next_u64();

 private:
  std::uint64_t seed_;
  std::uint64_t offset_ = 0;
};

// 64 random bits for counter c under seed.
std::uint64_t philox_u64(std::uint64_t seed, std::uint64_t counter);

// The process-wide seed sequence for layers built without a Generator or seed (e.g.
// nn::Dropout(0.5)), as torch.manual_seed seeds PyTorch's default generator: draw i is
// philox_u64(seed, i), so every such layer gets its own stream, and a program that calls
// manual_seed(s) before building its model gets the same streams on every run (construction
// order is the program's). The default seed is 0. Thread-safe (atomic), but layers built
// concurrently on several threads get their seeds in an unspecified order.
void manual_seed(std::uint64_t seed);
std::uint64_t next_default_seed();

// U[low, high)
Tensor rand(const Shape& shape, Generator& gen, DType dtype = kFloat32, double low = 0.0,
            double high = 1.0);
// N(mean, std^2), Box-Muller.
Tensor randn(const Shape& shape, Generator& gen, DType dtype = kFloat32, double mean = 0.0,
             double stddev = 1.0);
// Integers uniform in [low, high).
Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, Generator& gen,
               DType dtype = kInt64);
// 1 with probability p, else 0.
Tensor bernoulli(const Shape& shape, double p, Generator& gen, DType dtype = kFloat32);
// Elementwise probabilities.
Tensor bernoulli(const Tensor& p, Generator& gen);
// A random permutation of 0..n-1 (int64), Fisher-Yates.
Tensor permutation(std::int64_t n, Generator& gen);

}  // namespace minidl
