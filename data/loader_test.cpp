// Tests for data/loader.cpp and data/sampler.cpp: batch counts, seeded shuffling per epoch
// (reproducible, resumable, a permutation each epoch), prefetch equivalence, exceptions from a
// transform reaching the consumer, early exit, and custom samplers.
#include "data/loader.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>

#include "tensor/ops.h"
#include "tests/test_util.h"

using namespace minidl;
using namespace minidl::data;
using minidl::testing::bitwise_equal;

namespace {

// Sample i has input row [i, i] and target i, so a batch shows which samples it holds.
std::shared_ptr<TensorDataset> numbered(std::int64_t n) {
  const Tensor col = arange(0, static_cast<double>(n), 1, kFloat32).reshape({n, 1});
  return std::make_shared<TensorDataset>(concat({col, col}, 1), arange(n));
}

// The sample order of one epoch, read off the batches' targets (and checked against indices).
Indices epoch_order(const DataLoader& loader, std::int64_t e) {
  Indices order;
  for (Batch& b : loader.epoch(e)) {
    const auto t = b.targets.values<std::int64_t>();
    CHECK(t == b.indices);
    order.insert(order.end(), t.begin(), t.end());
  }
  return order;
}

bool is_permutation_of_range(Indices v, std::int64_t n) {
  std::sort(v.begin(), v.end());
  for (std::int64_t i = 0; i < n; ++i)
    if (v.size() != static_cast<std::size_t>(n) || v[static_cast<std::size_t>(i)] != i)
      return false;
  return true;
}

// Visits samples in reverse order.
class ReverseSampler : public Sampler {
 public:
  explicit ReverseSampler(std::int64_t n) : n_(n) {}
  std::int64_t size() const override { return n_; }
  Indices indices(std::int64_t) const override {
    Indices v;
    for (std::int64_t i = n_ - 1; i >= 0; --i) v.push_back(i);
    return v;
  }

 private:
  std::int64_t n_;
};

}  // namespace

TEST_CASE("loader: batch count and sizes with and without drop_last") {
  const auto ds = numbered(10);
  DataLoader keep(ds, {.batch_size = 3});
  CHECK(keep.num_batches() == 4);
  std::vector<std::int64_t> sizes;
  for (Batch& b : keep.epoch(0)) sizes.push_back(b.inputs.size(0));
  CHECK(sizes == std::vector<std::int64_t>{3, 3, 3, 1});
  DataLoader drop(ds, {.batch_size = 3, .drop_last = true});
  CHECK(drop.num_batches() == 3);
  CHECK(epoch_order(drop, 0) == Indices{0, 1, 2, 3, 4, 5, 6, 7, 8});
  CHECK(DataLoader(ds, {.batch_size = 20, .drop_last = true}).num_batches() == 0);
  CHECK(epoch_order(DataLoader(ds, {.batch_size = 20, .drop_last = true}), 0).empty());
}

TEST_CASE("loader: unshuffled batches are views of the dataset, in order") {
  const auto ds = numbered(8);
  DataLoader loader(ds, {.batch_size = 4});
  Epoch ep = loader.epoch(0);
  Batch b;
  REQUIRE(ep.next(b));
  CHECK(b.inputs.shares_storage(ds->inputs()));
  CHECK(b.targets.values<std::int64_t>() == std::vector<std::int64_t>{0, 1, 2, 3});
  REQUIRE(ep.next(b));
  CHECK(b.targets.values<std::int64_t>() == std::vector<std::int64_t>{4, 5, 6, 7});
  CHECK(!ep.next(b));
  CHECK(ep.batches_taken() == 2);
}

TEST_CASE("loader: shuffling is reproducible from seed and epoch and differs across epochs") {
  const auto ds = numbered(50);
  DataLoader a(ds, {.batch_size = 7, .shuffle = true, .seed = 11});
  DataLoader b(ds, {.batch_size = 7, .shuffle = true, .seed = 11});
  DataLoader c(ds, {.batch_size = 7, .shuffle = true, .seed = 12});
  std::vector<Indices> straight;
  for (std::int64_t e = 0; e < 4; ++e) {
    straight.push_back(epoch_order(a, e));
    CHECK(is_permutation_of_range(straight.back(), 50));  // every index exactly once
  }
  CHECK(straight[0] != straight[1]);
  CHECK(straight[1] != straight[2]);
  Indices identity(50);
  for (std::int64_t i = 0; i < 50; ++i) identity[static_cast<std::size_t>(i)] = i;
  CHECK(straight[0] != identity);
  // A fresh loader resumed at epoch 3 sees what the straight run saw at epoch 3.
  CHECK(epoch_order(b, 3) == straight[3]);
  CHECK(epoch_order(b, 0) == straight[0]);
  CHECK(epoch_order(c, 0) != straight[0]);
}

TEST_CASE("loader: prefetching gives the same batches, transforms included") {
  const auto ds = std::make_shared<TensorDataset>(
      arange(0, 2 * 3 * 4 * 5 * 6, 1, kFloat32).reshape({12, 3, 4, 5}), arange(12));
  const Transform t = compose({random_horizontal_flip(0.5), gaussian_noise(0.1)});
  for (bool shuffle : {false, true}) {
    CAPTURE(shuffle);
    LoaderOptions o{.batch_size = 5, .shuffle = shuffle, .seed = 3, .transform = t};
    DataLoader plain(ds, o);
    o.prefetch = 2;
    DataLoader ahead(ds, o);
    for (std::int64_t e = 0; e < 2; ++e) {
      std::vector<Batch> p, q;
      for (Batch& b : plain.epoch(e)) p.push_back(b);
      for (Batch& b : ahead.epoch(e)) q.push_back(b);
      REQUIRE(p.size() == 3);
      REQUIRE(q.size() == 3);
      for (std::size_t i = 0; i < p.size(); ++i) {
        CHECK(bitwise_equal(p[i].inputs, q[i].inputs));
        CHECK(bitwise_equal(p[i].targets, q[i].targets));
        CHECK(p[i].indices == q[i].indices);
      }
    }
  }
}

TEST_CASE("loader: an exception in a transform surfaces in the consumer") {
  const auto ds = numbered(20);
  std::atomic<int> calls{0};
  const Transform failing = [&](const Tensor& x, Generator&) {
    if (++calls == 3) MINIDL_FAIL("transform: bad batch");
    return x;
  };
  for (std::int64_t prefetch : {0, 1, 3}) {
    CAPTURE(prefetch);
    calls = 0;
    DataLoader loader(ds, {.batch_size = 4, .transform = failing, .prefetch = prefetch});
    int seen = 0;
    std::string msg;
    try {
      for (Batch& b : loader.epoch(0)) {
        (void)b;
        ++seen;
      }
    } catch (const Error& e) {
      msg = e.what();
    }
    CHECK(seen == 2);
    CHECK(msg == "transform: bad batch");
  }
}

TEST_CASE("loader: leaving an epoch early stops the prefetch thread cleanly") {
  const auto ds = numbered(100);
  DataLoader loader(ds, {.batch_size = 2, .shuffle = true, .prefetch = 4});
  for (int repeat = 0; repeat < 20; ++repeat) {
    for (Batch& b : loader.epoch(repeat)) {
      CHECK(b.inputs.size(0) == 2);
      break;
    }
  }
  Epoch never_started = loader.epoch(0);  // destroyed without iterating
  CHECK(never_started.num_batches() == 50);
}

TEST_CASE("loader: custom samplers plug in; an epoch is iterated once") {
  const auto ds = numbered(5);
  DataLoader rev(ds, {.batch_size = 2, .sampler = std::make_shared<ReverseSampler>(5)});
  CHECK(epoch_order(rev, 0) == Indices{4, 3, 2, 1, 0});
  // Oversampling-style: more indices than samples, with repeats.
  DataLoader over(
      ds, {.batch_size = 4,
           .sampler = std::make_shared<RandomSampler>(
               5, RandomSamplerOptions{.seed = 2, .replacement = true, .num_samples = 12})});
  CHECK(over.num_batches() == 3);
  const Indices o = epoch_order(over, 0);
  CHECK(o.size() == 12);
  CHECK(std::all_of(o.begin(), o.end(), [](std::int64_t i) { return i >= 0 && i < 5; }));
  Epoch ep = rev.epoch(0);
  for (Batch& b : ep) (void)b;
  CHECK_THROWS_AS(ep.begin(), Error);
}

TEST_CASE("loader: samplers are pure functions of seed and epoch") {
  const RandomSampler s(30, {.seed = 8});
  CHECK(s.indices(2) == s.indices(2));
  CHECK(s.indices(2) != s.indices(3));
  CHECK(is_permutation_of_range(s.indices(5), 30));
  const RandomSampler longer(4, {.seed = 1, .num_samples = 10});
  const Indices l = longer.indices(0);
  CHECK(l.size() == 10);
  CHECK(is_permutation_of_range(Indices(l.begin(), l.begin() + 4), 4));
  CHECK(is_permutation_of_range(Indices(l.begin() + 4, l.begin() + 8), 4));
  CHECK(SequentialSampler(3).indices(7) == Indices{0, 1, 2});
  Generator g1 = epoch_generator(5, 1), g2 = epoch_generator(5, 1);
  CHECK(g1.next_u64() == g2.next_u64());
  CHECK(epoch_generator(5, 2).next_u64() != epoch_generator(5, 1).next_u64());
}

TEST_CASE("loader: tensors constructor and option checks") {
  DataLoader loader(arange(0, 6, 1, kFloat32).reshape({3, 2}), arange(3), {.batch_size = 2});
  CHECK(loader.num_batches() == 2);
  CHECK(loader.dataset().size() == 3);
  CHECK_THROWS_WITH_AS(DataLoader(numbered(3), {.batch_size = 0}),
                       "DataLoader: batch_size must be > 0, got 0", Error);
}
