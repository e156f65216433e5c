// DistributedSampler (layer 4, namespace minidl::dist): each rank's disjoint shard of an epoch's
// order, after PyTorch's torch.utils.data.DistributedSampler.
//
// For epoch e, with P ranks (num_replicas) and this rank r:
//   order  = the inner sampler's indices(e) if one is given, else a permutation of 0..n-1 drawn
//            from data::epoch_generator(seed, e) when shuffle, else 0..n-1: the same on every rank
//            (one seed), reshuffled every epoch, and independent of P;
//   length m; padded (drop_last false): the order repeated from its start up to ceil(m / P) P
//            entries (PyTorch's padding: a few samples are seen twice per epoch, every rank gets
//            the same count, so every rank runs the same number of steps);
//            dropped (drop_last true): cut to floor(m / P) P entries (the tail is not seen);
//            neither (pad = false, for evaluation): the shards differ by at most one sample and
//            together hold each position exactly once;
//   shard  = order[r], order[r + P], order[r + 2P], ...  (strided, as PyTorch).
// Strided shards cut by a loader into batches of B / P give, for step k, the union over ranks of
// exactly the global batch k of one process with batch B over the same order (when P divides B
// and the epoch is padded to a multiple of B): the property data parallelism rests on.
#pragma once

#include <cstdint>
#include <memory>

#include "data/loader.h"
#include "data/sampler.h"

namespace minidl::dist {

struct DistributedSamplerOptions {
  int num_replicas = -1;  // -1: dist::world_size()
  int rank = -1;          // -1: dist::rank()
  bool shuffle = true;    // ignored with an inner sampler (its order is used)
  std::uint64_t seed = 0;
  bool drop_last = false;
  bool pad = true;  // false: unequal shards without repeats (evaluation); needs drop_last false
};

class DistributedSampler : public data::Sampler {
 public:
  // Over positions 0..n-1.
  DistributedSampler(std::int64_t n, const DistributedSamplerOptions& options = {});
  // Over the order of another sampler (RandomSampler, class-balanced, ...).
  DistributedSampler(std::shared_ptr<const data::Sampler> inner,
                     const DistributedSamplerOptions& options = {});
  std::int64_t size() const override;
  data::Indices indices(std::int64_t epoch) const override;
  int num_replicas() const { return p_; }
  int rank() const { return r_; }
  // Entries of the whole padded (or cut) epoch over all ranks.
  std::int64_t total_size() const;

 private:
  std::int64_t n_;
  std::shared_ptr<const data::Sampler> inner_;
  DistributedSamplerOptions options_;
  int p_, r_;
};

// This rank's loader for data-parallel work over `global`'s data and order (dist::fit uses it):
//   training (kTrain): a padded DistributedSampler over global's sampler, batch_size B / P (P
//     must divide B, so the global batch stays B), drop_last as global's, transform and prefetch
//     as global's, seed + rank (transform randomness differs per rank; the order does not);
//   evaluation (kEvaluate): unpadded shards (every sample counted once over the ranks), the
//     same batch size.
// With one rank it returns a copy of global.
enum class ShardUse { kTrain, kEvaluate };
data::DataLoader shard_loader(const data::DataLoader& global, ShardUse use = ShardUse::kTrain);

}  // namespace minidl::dist
