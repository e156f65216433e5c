#include "data/sampler.h"

#include <algorithm>

namespace minidl::data {

Generator epoch_generator(std::uint64_t seed, std::int64_t epoch) {
  MINIDL_CHECK(epoch >= 0 && epoch < (std::int64_t{1} << 24), "epoch_generator: epoch ", epoch,
               " out of range [0, 2^24)");
  Generator gen(seed);
  gen.set_state(seed, static_cast<std::uint64_t>(epoch) << 40);
  return gen;
}

SequentialSampler::SequentialSampler(std::int64_t n) : n_(n) {
  MINIDL_CHECK(n >= 0, "SequentialSampler: n must be >= 0, got ", n);
}

Indices SequentialSampler::indices(std::int64_t /*epoch*/) const {
  Indices out(static_cast<std::size_t>(n_));
  for (std::int64_t i = 0; i < n_; ++i) out[static_cast<std::size_t>(i)] = i;
  return out;
}

RandomSampler::RandomSampler(std::int64_t n, const RandomSamplerOptions& options)
    : n_(n), num_samples_(options.num_samples < 0 ? n : options.num_samples), options_(options) {
  MINIDL_CHECK(n >= 0, "RandomSampler: n must be >= 0, got ", n);
  MINIDL_CHECK(n > 0 || num_samples_ == 0, "RandomSampler: cannot draw ", num_samples_,
               " samples from an empty dataset");
}

Indices RandomSampler::indices(std::int64_t epoch) const {
  Generator gen = epoch_generator(options_.seed, epoch);
  if (num_samples_ == 0) return {};
  if (options_.replacement) return randint(0, n_, {num_samples_}, gen).values<std::int64_t>();
  Indices out;
  out.reserve(static_cast<std::size_t>(num_samples_));
  while (static_cast<std::int64_t>(out.size()) < num_samples_) {
    const Tensor perm = permutation(n_, gen);
    const std::int64_t* p = perm.data<std::int64_t>();
    const std::int64_t take =
        std::min<std::int64_t>(n_, num_samples_ - static_cast<std::int64_t>(out.size()));
    out.insert(out.end(), p, p + take);
  }
  return out;
}

}  // namespace minidl::data
