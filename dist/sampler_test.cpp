// DistributedSampler and shard_loader: disjoint and complete shards, per-epoch reshuffle from one
// seed, PyTorch's padding and dropping, and the global-batch property data parallelism rests on.
#include "dist/sampler.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "data/loader.h"
#include "dist/comm.h"
#include "tensor/error.h"
#include "tensor/ops.h"

using namespace minidl;
using dist::DistributedSampler;

namespace {

std::vector<data::Indices> shards(std::int64_t n, int p, dist::DistributedSamplerOptions o,
                                  std::int64_t epoch = 0) {
  std::vector<data::Indices> out;
  for (int r = 0; r < p; ++r) {
    o.num_replicas = p;
    o.rank = r;
    out.push_back(DistributedSampler(n, o).indices(epoch));
  }
  return out;
}

}  // namespace

TEST_CASE("dist sampler: shards are disjoint and together are the whole epoch") {
  for (int p : {1, 2, 3, 4}) {
    auto s = shards(12, p, {.seed = 5});
    std::multiset<std::int64_t> all;
    for (const auto& shard : s) {
      CHECK(shard.size() == static_cast<std::size_t>(12 / p));
      all.insert(shard.begin(), shard.end());
    }
    CHECK(all.size() == 12);
    for (std::int64_t i = 0; i < 12; ++i) CHECK(all.count(i) == 1);
  }
}

TEST_CASE("dist sampler: reshuffled per epoch from one seed, the same on every rank's view") {
  auto e0 = shards(40, 2, {.seed = 7}, 0), e1 = shards(40, 2, {.seed = 7}, 1);
  CHECK(e0[0] != e1[0]);
  CHECK(e0 == shards(40, 2, {.seed = 7}, 0));  // a pure function of (seed, epoch)
  CHECK(e0 != shards(40, 2, {.seed = 8}, 0));
  // Strided over one global order: rank r's i-th index is the global order's (r + P i)-th.
  const data::Indices order =
      DistributedSampler(40, {.num_replicas = 1, .rank = 0, .seed = 7}).indices(1);
  for (std::size_t i = 0; i < e1[1].size(); ++i) CHECK(e1[1][i] == order[1 + 2 * i]);
  // Unshuffled: 0, P, 2P, ... on rank 0.
  auto seq = shards(6, 3, {.shuffle = false});
  CHECK(seq[0] == data::Indices{0, 3});
  CHECK(seq[2] == data::Indices{2, 5});
}

TEST_CASE("dist sampler: padding repeats from the start, drop_last cuts, pad=false is exact") {
  auto padded = shards(10, 4, {.shuffle = false});  // 12 entries: 0..9, 0, 1
  CHECK(padded[0] == data::Indices{0, 4, 8});
  CHECK(padded[1] == data::Indices{1, 5, 9});
  CHECK(padded[2] == data::Indices{2, 6, 0});
  CHECK(padded[3] == data::Indices{3, 7, 1});
  auto dropped = shards(10, 4, {.shuffle = false, .drop_last = true});  // 8 entries
  for (const auto& s : dropped) CHECK(s.size() == 2);
  CHECK(dropped[3] == data::Indices{3, 7});
  auto exact = shards(10, 4, {.shuffle = false, .pad = false});
  CHECK(exact[0] == data::Indices{0, 4, 8});
  CHECK(exact[3] == data::Indices{3, 7});
  CHECK(DistributedSampler(10, {.num_replicas = 4, .rank = 3, .pad = false}).size() == 2);
  // More ranks than samples: padding still gives everyone one.
  auto tiny = shards(2, 3, {.shuffle = false});
  CHECK(tiny[2] == data::Indices{0});
  CHECK(shards(0, 2, {})[1].empty());
}

TEST_CASE("dist sampler: an inner sampler's order is sharded as given") {
  auto inner = std::make_shared<data::RandomSampler>(9, data::RandomSamplerOptions{.seed = 3});
  const data::Indices order = inner->indices(2);
  DistributedSampler s(inner, {.num_replicas = 3, .rank = 1});
  const data::Indices shard = s.indices(2);
  REQUIRE(shard.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(shard[i] == order[1 + 3 * i]);
}

TEST_CASE("dist sampler: the ranks' batches of B/P make up one process's batches of B") {
  // The property fit's distributed mode rests on: step k's global batch is the same set.
  const std::int64_t n = 48, b = 12;
  auto inner = std::make_shared<data::RandomSampler>(n, data::RandomSamplerOptions{.seed = 1});
  const data::Indices order = inner->indices(0);
  for (int p : {2, 3, 4}) {
    std::vector<data::Indices> local;
    for (int r = 0; r < p; ++r)
      local.push_back(DistributedSampler(inner, {.num_replicas = p, .rank = r}).indices(0));
    for (std::int64_t k = 0; k < n / b; ++k) {
      std::set<std::int64_t> got, want(order.begin() + k * b, order.begin() + (k + 1) * b);
      for (int r = 0; r < p; ++r)
        for (std::int64_t j = 0; j < b / p; ++j) got.insert(local[r][k * (b / p) + j]);
      CHECK(got == want);
    }
  }
}

TEST_CASE("dist sampler: bad settings are errors naming the values") {
  CHECK_THROWS_WITH_AS(DistributedSampler(5, {.num_replicas = 2, .rank = 2}),
                       doctest::Contains("rank 2 out of range for 2 replicas"), Error);
  CHECK_THROWS_AS(DistributedSampler(5, {.drop_last = true, .pad = false}), Error);
  CHECK_THROWS_AS(DistributedSampler(std::shared_ptr<const data::Sampler>{}, {}), Error);
}

TEST_CASE("dist sampler: shard_loader with one rank is the loader itself") {
  REQUIRE(dist::world_size() == 1);
  Tensor x = arange(0, 10, 1, kFloat32).reshape({10, 1});
  Tensor y = zeros({10}, kInt64);
  data::DataLoader global(x, y, {.batch_size = 4, .shuffle = true, .seed = 2});
  data::DataLoader local = dist::shard_loader(global);
  CHECK(local.num_batches() == global.num_batches());
  CHECK(local.sampler().indices(1) == global.sampler().indices(1));
}
