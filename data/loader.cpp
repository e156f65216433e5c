#include "data/loader.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

namespace minidl::data {
namespace detail {
namespace {

// Keeps transform randomness apart from the sampler's stream of the same seed.
constexpr std::uint64_t kTransformSalt = 0x7472616E73666F72ULL;  // "transfor"

// Batch b of epoch e draws from its own Philox key (hashed from seed and epoch) at offset b * 2^32:
// independent of which thread builds the batch and of the batches before it.
Generator batch_generator(std::uint64_t seed, std::int64_t epoch, std::int64_t batch) {
  const std::uint64_t key = philox_u64(seed ^ kTransformSalt, static_cast<std::uint64_t>(epoch));
  Generator gen(key);
  gen.set_state(key, static_cast<std::uint64_t>(batch) << 32);
  return gen;
}

struct Slot {
  Batch batch;
  std::exception_ptr error;
};

}  // namespace

struct EpochState {
  std::shared_ptr<const Dataset> dataset;
  Transform transform;
  std::uint64_t seed = 0;
  std::int64_t epoch = 0;
  std::int64_t batch_size = 1;
  std::int64_t num_batches = 0;
  Indices order;

  Batch current;
  std::int64_t taken = 0;
  bool started = false;
  bool at_end = false;

  // Prefetch: the worker fills `ready` up to `depth` batches ahead, in batch order.
  std::int64_t depth = 0;
  std::thread worker;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Slot> ready;
  bool stop = false;

  ~EpochState() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stop = true;
    }
    cv.notify_all();
    if (worker.joinable()) worker.join();
  }

  Batch make(std::int64_t i) const {
    const std::int64_t begin = i * batch_size;
    const std::int64_t end =
        std::min<std::int64_t>(begin + batch_size, static_cast<std::int64_t>(order.size()));
    const std::span<const std::int64_t> idx(order.data() + begin,
                                            static_cast<std::size_t>(end - begin));
    Batch b = dataset->get_batch(idx);
    b.indices.assign(idx.begin(), idx.end());
    if (transform) {
      Generator gen = batch_generator(seed, epoch, i);
      b.inputs = transform(b.inputs, gen);
    }
    return b;
  }

  void run_worker() {
    for (std::int64_t i = 0; i < num_batches; ++i) {
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return stop || static_cast<std::int64_t>(ready.size()) < depth; });
        if (stop) return;
      }
      Slot slot;
      try {
        slot.batch = make(i);
      } catch (...) {
        slot.error = std::current_exception();
      }
      const bool failed = slot.error != nullptr;
      {
        std::lock_guard<std::mutex> lock(mu);
        ready.push_back(std::move(slot));
      }
      cv.notify_all();
      if (failed) return;  // the consumer rethrows it; nothing after it is wanted
    }
  }

  // Next batch into `current`; false at the end. Exceptions from building a batch (in this thread
  // or the worker's) propagate here and end the epoch.
  bool advance() {
    started = true;
    if (at_end || taken >= num_batches) {
      at_end = true;
      return false;
    }
    if (depth == 0) {
      current = make(taken);
    } else {
      if (!worker.joinable()) worker = std::thread([this] { run_worker(); });
      Slot slot;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return !ready.empty(); });
        slot = std::move(ready.front());
        ready.pop_front();
      }
      cv.notify_all();
      if (slot.error) {
        at_end = true;
        std::rethrow_exception(slot.error);
      }
      current = std::move(slot.batch);
    }
    ++taken;
    return true;
  }
};

}  // namespace detail

// ---------------------------------------------------------------- Epoch
Epoch::Epoch(std::unique_ptr<detail::EpochState> state) : state_(std::move(state)) {}
Epoch::Epoch(Epoch&&) noexcept = default;
Epoch& Epoch::operator=(Epoch&&) noexcept = default;
Epoch::~Epoch() = default;

Epoch::Iterator Epoch::begin() {
  MINIDL_CHECK(state_ && !state_->started, "Epoch: an epoch can be iterated only once; call ",
               "DataLoader::epoch(e) again for another pass");
  state_->advance();
  return Iterator(this);
}

bool Epoch::next(Batch& out) {
  MINIDL_CHECK(state_ != nullptr, "Epoch: used after move");
  if (!state_->advance()) return false;
  out = state_->current;
  return true;
}

std::int64_t Epoch::num_batches() const { return state_ ? state_->num_batches : 0; }
std::int64_t Epoch::batches_taken() const { return state_ ? state_->taken : 0; }

Batch& Epoch::Iterator::operator*() const { return epoch_->state_->current; }

Epoch::Iterator& Epoch::Iterator::operator++() {
  epoch_->state_->advance();
  return *this;
}

bool Epoch::Iterator::operator==(std::default_sentinel_t) const { return epoch_->state_->at_end; }

// ---------------------------------------------------------------- DataLoader
DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions options)
    : dataset_(std::move(dataset)), options_(std::move(options)) {
  MINIDL_CHECK(dataset_ != nullptr, "DataLoader: null dataset");
  MINIDL_CHECK(options_.batch_size > 0, "DataLoader: batch_size must be > 0, got ",
               options_.batch_size);
  MINIDL_CHECK(options_.prefetch >= 0, "DataLoader: prefetch must be >= 0, got ",
               options_.prefetch);
  if (options_.sampler)
    sampler_ = options_.sampler;
  else if (options_.shuffle)
    sampler_ = std::make_shared<RandomSampler>(dataset_->size(),
                                               RandomSamplerOptions{.seed = options_.seed});
  else
    sampler_ = std::make_shared<SequentialSampler>(dataset_->size());
}

DataLoader::DataLoader(Tensor x, Tensor y, LoaderOptions options)
    : DataLoader(std::make_shared<TensorDataset>(std::move(x), std::move(y)), std::move(options)) {}

std::int64_t DataLoader::num_batches() const {
  const std::int64_t n = sampler_->size(), bs = options_.batch_size;
  return options_.drop_last ? n / bs : (n + bs - 1) / bs;
}

Epoch DataLoader::epoch(std::int64_t e) const {
  MINIDL_CHECK(e >= 0, "DataLoader: epoch must be >= 0, got ", e);
  auto s = std::make_unique<detail::EpochState>();
  s->dataset = dataset_;
  s->transform = options_.transform;
  s->seed = options_.seed;
  s->epoch = e;
  s->batch_size = options_.batch_size;
  s->order = sampler_->indices(e);
  const auto n = static_cast<std::int64_t>(s->order.size());
  s->num_batches = options_.drop_last ? n / s->batch_size : (n + s->batch_size - 1) / s->batch_size;
  s->depth = options_.prefetch;
  return Epoch(std::move(s));
}

}  // namespace minidl::data
