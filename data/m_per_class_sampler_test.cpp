// m-per-class sampler: the P x K block structure of every batch, coverage of a balanced epoch,
// classes smaller than K, the length rule, per-epoch seeding, the DataLoader round trip, errors.
#include "data/m_per_class_sampler.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include "data/loader.h"
#include "tensor/ops.h"

using namespace minidl;
using namespace minidl::data;

namespace {

Tensor ints(const std::vector<std::int64_t>& v) { return from_vector(v); }

// Checks every batch of `order` is P blocks of K samples, one class per block, classes distinct
// within the batch, samples distinct within a block whose class has at least K samples.
void check_blocks(const Indices& order, const std::vector<std::int64_t>& y, std::int64_t p,
                  std::int64_t k) {
  REQUIRE(order.size() % static_cast<std::size_t>(p * k) == 0);
  std::map<std::int64_t, std::int64_t> class_size;
  for (std::int64_t v : y) ++class_size[v];
  bool ok = true;
  for (std::size_t b = 0; b < order.size(); b += static_cast<std::size_t>(p * k)) {
    std::set<std::int64_t> classes;
    for (std::int64_t g = 0; g < p; ++g) {
      const std::size_t s = b + static_cast<std::size_t>(g * k);
      const std::int64_t c = y[static_cast<std::size_t>(order[s])];
      classes.insert(c);
      std::set<std::int64_t> samples;
      for (std::int64_t j = 0; j < k; ++j) {
        ok = ok && y[static_cast<std::size_t>(order[s + j])] == c;
        samples.insert(order[s + j]);
      }
      if (class_size[c] >= k) ok = ok && static_cast<std::int64_t>(samples.size()) == k;
    }
    ok = ok && static_cast<std::int64_t>(classes.size()) == p;
  }
  CHECK(ok);
}

}  // namespace

TEST_CASE("m_per_class_sampler: a balanced epoch is a permutation made of P x K blocks") {
  // 6 classes x 8 samples, P = 3, K = 4: 4 batches of 12. The class queue holds two shuffles of
  // the 6 classes (each class twice), each class's sample queue one shuffle of its 8 samples
  // (taken 4 + 4): so the epoch visits every sample exactly once.
  std::vector<std::int64_t> y;
  for (std::int64_t i = 0; i < 48; ++i) y.push_back((i * 7) % 6 + 10);  // labels 10..15, mixed
  MPerClassSampler s(ints(y), {.classes_per_batch = 3, .samples_per_class = 4, .seed = 5});
  CHECK(s.batch_size() == 12);
  CHECK(s.size() == 48);
  CHECK(s.num_batches() == 4);
  CHECK(s.num_classes() == 6);
  for (std::int64_t e = 0; e < 3; ++e) {
    Indices order = s.indices(e);
    check_blocks(order, y, 3, 4);
    std::sort(order.begin(), order.end());
    Indices all(48);
    for (std::int64_t i = 0; i < 48; ++i) all[static_cast<std::size_t>(i)] = i;
    CHECK(order == all);
  }
}

TEST_CASE("m_per_class_sampler: seeding, imbalance, classes smaller than K, length") {
  // Class sizes 1, 2, 5, 30: K = 3 forces draws with replacement from the two small classes.
  std::vector<std::int64_t> y = {0, 1, 1};
  for (int i = 0; i < 5; ++i) y.push_back(2);
  for (int i = 0; i < 30; ++i) y.push_back(3);
  const MPerClassOptions o{
      .classes_per_batch = 2, .samples_per_class = 3, .length = 100, .seed = 1};
  MPerClassSampler s(ints(y), o);
  CHECK(s.size() == 96);  // 100 rounded down to a multiple of 6
  const Indices e0 = s.indices(0);
  CHECK(e0.size() == 96);
  check_blocks(e0, y, 2, 3);
  CHECK(s.indices(0) == e0);  // a pure function of the epoch
  CHECK(s.indices(1) != e0);
  MPerClassOptions other = o;
  other.seed = 2;
  CHECK(MPerClassSampler(ints(y), other).indices(0) != e0);
  // Every class is visited about equally often: 32 class slots over 4 classes, 8 each.
  std::map<std::int64_t, int> visits;
  for (std::size_t b = 0; b < e0.size(); b += 3) ++visits[y[static_cast<std::size_t>(e0[b])]];
  for (const auto& [c, v] : visits) CHECK(v == 8);
  // Default length: N = 38 rounded down to 36; never below one batch.
  CHECK(MPerClassSampler(ints(y), {.classes_per_batch = 2, .samples_per_class = 3}).size() == 36);
  CHECK(MPerClassSampler(ints({0, 1}), {.classes_per_batch = 2, .samples_per_class = 4}).size() ==
        8);
}

TEST_CASE("m_per_class_sampler: drives a DataLoader batch by batch") {
  std::vector<std::int64_t> y;
  for (std::int64_t i = 0; i < 40; ++i) y.push_back(i % 5);
  auto s = std::make_shared<MPerClassSampler>(
      ints(y), MPerClassOptions{.classes_per_batch = 2, .samples_per_class = 4});
  const Tensor x = arange(0, 40, 1, kFloat32).reshape({40, 1});
  DataLoader loader(x, ints(y), {.batch_size = s->batch_size(), .sampler = s});
  CHECK(loader.num_batches() == 5);
  std::int64_t batches = 0;
  for (Batch& b : loader.epoch(0)) {
    ++batches;
    const auto t = b.targets.values<std::int64_t>();
    REQUIRE(t.size() == 8);
    CHECK(t[0] == t[3]);
    CHECK(t[4] == t[7]);
    CHECK(t[0] != t[4]);
  }
  CHECK(batches == 5);
}

TEST_CASE("m_per_class_sampler: errors name the sampler and the values") {
  CHECK_THROWS_WITH_AS(MPerClassSampler(ints({0, 0, 1}), {.classes_per_batch = 3}),
                       doctest::Contains("MPerClassSampler: 3 classes per batch, but the labels "
                                         "have only 2 classes"),
                       Error);
  CHECK_THROWS_WITH_AS(
      MPerClassSampler(ints({0, 1}), {.classes_per_batch = 2, .samples_per_class = 0}),
      doctest::Contains("must be >= 1, got 2 and 0"), Error);
  CHECK_THROWS_WITH_AS(
      MPerClassSampler(ints({0, 1}), {.classes_per_batch = 2, .samples_per_class = 2, .length = 3}),
      doctest::Contains("length must be -1 or >= P * K = 4, got 3"), Error);
  CHECK_THROWS_WITH_AS(MPerClassSampler(ones({2}), {.classes_per_batch = 1}),
                       doctest::Contains("labels must be int64 [N], got float32 [2]"), Error);
}
