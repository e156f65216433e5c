#include "dist/sampler.h"

#include "dist/comm.h"
#include "tensor/error.h"

namespace minidl::dist {

DistributedSampler::DistributedSampler(std::int64_t n, const DistributedSamplerOptions& options)
    : n_(n), options_(options) {
  p_ = options.num_replicas < 0 ? dist::world_size() : options.num_replicas;
  r_ = options.rank < 0 ? dist::rank() : options.rank;  // not the member rank()
  MINIDL_CHECK(n >= 0, "DistributedSampler: n must be >= 0, got ", n);
  MINIDL_CHECK(p_ >= 1 && r_ >= 0 && r_ < p_, "DistributedSampler: rank ", r_, " out of range for ",
               p_, " replicas");
  MINIDL_CHECK(options.pad || !options.drop_last,
               "DistributedSampler: pad = false (uneven shards) excludes drop_last");
}

DistributedSampler::DistributedSampler(std::shared_ptr<const data::Sampler> inner,
                                       const DistributedSamplerOptions& options)
    : DistributedSampler(inner ? inner->size() : 0, options) {
  MINIDL_CHECK(inner != nullptr, "DistributedSampler: the inner sampler is null");
  inner_ = std::move(inner);
}

std::int64_t DistributedSampler::total_size() const {
  if (!options_.pad) return n_;
  return options_.drop_last ? n_ / p_ * p_ : (n_ + p_ - 1) / p_ * p_;
}

std::int64_t DistributedSampler::size() const {
  if (!options_.pad) return n_ / p_ + (r_ < n_ % p_ ? 1 : 0);
  return total_size() / p_;
}

data::Indices DistributedSampler::indices(std::int64_t epoch) const {
  data::Indices order;
  if (inner_) {
    order = inner_->indices(epoch);
    MINIDL_CHECK(static_cast<std::int64_t>(order.size()) == n_,
                 "DistributedSampler: the inner "
                 "sampler gave ",
                 order.size(), " indices for epoch ", epoch, ", its size() is ", n_);
  } else if (options_.shuffle) {
    Generator gen = data::epoch_generator(options_.seed, epoch);
    order = permutation(n_, gen).values<std::int64_t>();
  } else {
    order.resize(static_cast<std::size_t>(n_));
    for (std::int64_t i = 0; i < n_; ++i) order[static_cast<std::size_t>(i)] = i;
  }
  const std::int64_t total = total_size();
  if (total > n_ && n_ > 0) {  // pad by repeating from the start (PyTorch)
    for (std::int64_t i = n_; i < total; ++i)
      order.push_back(order[static_cast<std::size_t>(i % n_)]);
  }
  order.resize(static_cast<std::size_t>(n_ == 0 ? 0 : total));
  data::Indices shard;
  shard.reserve(static_cast<std::size_t>(size()));
  for (std::int64_t i = r_; i < static_cast<std::int64_t>(order.size()); i += p_)
    shard.push_back(order[static_cast<std::size_t>(i)]);
  return shard;
}

data::DataLoader shard_loader(const data::DataLoader& global, ShardUse use) {
  const int p = world_size();
  if (p == 1) return global;
  data::LoaderOptions o = global.options();
  const std::int64_t b = global.batch_size();
  if (use == ShardUse::kTrain) {
    MINIDL_CHECK(b % p == 0, "dist::shard_loader: the global batch size ", b,
                 " is not a multiple of the ", p, " ranks (each rank takes batch / ranks)");
    o.batch_size = b / p;
    o.seed = global.options().seed + static_cast<std::uint64_t>(rank());
  }
  o.sampler = std::make_shared<DistributedSampler>(
      global.sampler_ptr(), DistributedSamplerOptions{.pad = use == ShardUse::kTrain});
  return data::DataLoader(global.dataset_ptr(), o);
}

}  // namespace minidl::dist
