// Tests for index/hnsw.cpp: recall against exact search for every metric, recall grows with ef,
// the single-threaded build is bit-reproducible (same file bytes), removal repairs the graph
// (recall on the rest stays high, slots are reused), filtered search keeps k allowed results.
#include "index/hnsw.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>

#include "index/test_util.h"
#include "tensor/file_util.h"
#include "tensor/parallel.h"

using namespace minidl;
using namespace minidl::index;
using namespace minidl::index::testing;

namespace {

std::string temp_path(const std::string& name) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("minidl_hnsw_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

}  // namespace

TEST_CASE("hnsw: recall@10 against exact search for every metric") {
  const Tensor base = blobs(3000, 20, 300, 110), queries = blobs(100, 20, 300, 111);
  for (Metric m : {Metric::kL2, Metric::kSquaredL2, Metric::kCosine, Metric::kInnerProduct}) {
    HnswIndex index(20, m, {.M = 8, .ef_construction = 64, .ef = 32});
    index.add(base);
    const double r = recall(index.search(queries, 10).indices, naive_knn(base, queries, 10, m));
    MESSAGE("hnsw ", std::string(metric_name(m)), " recall@10 (ef 32): ", r);
    CHECK(r >= 0.95);
  }
}

TEST_CASE("hnsw: recall grows with ef; levels follow the geometric law") {
  const Tensor base = blobs(4000, 32, 400, 112), queries = blobs(200, 32, 400, 113);
  HnswIndex index(32, Metric::kL2, {.M = 6, .ef_construction = 40, .ef = 1});
  index.add(base);
  const auto want = naive_knn(base, queries, 10, Metric::kL2);
  const double r_low = recall(index.search(queries, 10).indices, want);  // ef = max(1, k) = 10
  index.set_ef(100);
  const double r_high = recall(index.search(queries, 10).indices, want);
  MESSAGE("hnsw recall@10: ef 10 ", r_low, ", ef 100 ", r_high);
  CHECK(r_high > r_low);
  CHECK(r_high >= 0.97);
  // P(level >= 1) = 1 / M: about 667 of 4000 nodes for M = 6.
  std::int64_t upper = 0;
  for (std::int64_t id = 0; id < 4000; ++id) upper += index.level_of(id) >= 1;
  CHECK(upper > 550);
  CHECK(upper < 800);
}

TEST_CASE("hnsw: memory is the data plus under 0.2 KB per vector at M = 16") {
  const Tensor base = blobs(5000, 32, 100, 121);
  HnswIndex index(32, Metric::kL2, {.M = 16, .ef_construction = 20});
  index.add(base.narrow_rows(0, 1000));
  index.add(base.narrow_rows(1000, 4000));
  const double extra = (static_cast<double>(index.memory_bytes()) - 5000.0 * 32 * 4) / 5000;
  MESSAGE("hnsw bytes per vector above the data: ", extra);
  CHECK(extra > 132);  // at least the layer-0 links: the count is real
  CHECK(extra <= 200);
}

TEST_CASE("hnsw: a single-threaded build is bit-reproducible") {
  const Tensor base = blobs(1500, 16, 100, 114);
  std::string bytes[2];
  for (int run = 0; run < 2; ++run) {
    HnswIndex index(16, Metric::kL2, {.M = 8, .ef_construction = 50, .seed = 7});
    index.add(base.narrow_rows(0, 700));
    index.add(base.narrow_rows(700, 800));
    const std::string path = temp_path("r" + std::to_string(run) + ".idx");
    index.save(path);
    bytes[run] = read_file(path);
  }
  CHECK(bytes[0] == bytes[1]);
  HnswIndex other(16, Metric::kL2, {.M = 8, .ef_construction = 50, .seed = 8});
  other.add(base);
  const std::string path = temp_path("r2.idx");
  other.save(path);
  CHECK(read_file(path) != bytes[0]);  // another seed, other levels: the test can tell
}

TEST_CASE("hnsw: a parallel build on 2 threads gives the same recall") {
  const Tensor base = blobs(4000, 24, 400, 119), queries = blobs(100, 24, 400, 120);
  const int before = get_num_threads();
  set_num_threads(2);
  HnswIndex index(24, Metric::kL2,
                  {.M = 8, .ef_construction = 64, .ef = 40, .parallel_build = true});
  index.add(base.narrow_rows(0, 100));
  index.add(base.narrow_rows(100, 3900));
  set_num_threads(before);
  CHECK(index.size() == 4000);
  const double r =
      recall(index.search(queries, 10).indices, naive_knn(base, queries, 10, Metric::kL2));
  MESSAGE("hnsw recall@10 after a parallel build: ", r);
  CHECK(r >= 0.95);
  CHECK(index.unreachable() == 0);
  // A stored vector finds itself. Reachable is not enough for that: a node whose in-links all
  // come from a detour can fall outside the beam. The sequential build finds all 200; after a
  // parallel one (nodes inserted at once do not see each other) 0-1 of 200 were missed in 3 of
  // 25 runs, each reachable from the search's entry with 4 in-links from its 12-25th nearest,
  // and 3 once (CI on an Intel Xeon, 2026-12-06): which inserts overlap depends on the threads'
  // timing. The bound is 2%, as the next test's is 1% over 20 builds: a broken graph misses tens.
  index.set_ef(400);
  const SearchResult self = index.search(base.narrow_rows(0, 200), 1);
  std::int64_t found = 0;
  for (std::int64_t i = 0; i < 200; ++i) found += self.indices.data<std::int64_t>()[i] == i;
  MESSAGE("parallel build: ", found, " of 200 stored vectors found by themselves (ef 400)");
  CHECK(found >= 196);
  HnswIndex sequential(24, Metric::kL2, {.M = 8, .ef_construction = 64, .ef = 400});
  sequential.add(base.narrow_rows(0, 100));
  sequential.add(base.narrow_rows(100, 3900));
  CHECK(sequential.unreachable() == 0);
  const SearchResult seq_self = sequential.search(base.narrow_rows(0, 200), 1);
  std::int64_t seq_found = 0;
  for (std::int64_t i = 0; i < 200; ++i) seq_found += seq_self.indices.data<std::int64_t>()[i] == i;
  CHECK(seq_found == 200);
}

// Without the reachability repair, 20 such builds left 40-55 nodes that no layer-0 walk from the
// entry point met (and 40 with parallel_build = false: pruning, not only the race between
// inserts, drops a node's last in-link). Repeated builds on 2 threads in small arenas, where
// the threads insert near each other most often, would catch a flaky race.
TEST_CASE("hnsw: every node is reachable after each of 20 parallel builds and after removal") {
  const Tensor base = blobs(600, 12, 30, 122);
  const int before = get_num_threads();
  set_num_threads(2);
  std::int64_t lost = 0, missed = 0;
  for (int run = 0; run < 20; ++run) {
    HnswIndex index(12, Metric::kL2,
                    {.M = 4, .ef_construction = 16, .ef = 200, .parallel_build = true});
    index.add(base.narrow_rows(0, 300));
    index.add(base.narrow_rows(300, 300));
    lost += index.unreachable();
    const SearchResult self = index.search(base, 1);
    for (std::int64_t i = 0; i < 600; ++i) missed += self.indices.data<std::int64_t>()[i] != i;
    std::vector<std::int64_t> gone;
    for (std::int64_t i = run % 2; i < 600; i += 2) gone.push_back(i);  // half, maybe the entry
    CHECK(index.remove(gone) == 300);
    lost += index.unreachable();
  }
  set_num_threads(before);
  CHECK(lost == 0);
  // Self-search misses (see above; M = 4 and ef_construction = 16 are harsh): 0-15 of 12 000 in
  // a release build, 65 once under ASan, whose timing changes how the two threads' inserts
  // interleave. The bound is 1%: a graph that lost its structure misses thousands.
  MESSAGE("self-search misses over 20 parallel builds: ", missed, " of 12000");
  CHECK(missed <= 120);
}

TEST_CASE("hnsw: removal repairs the graph and reuses the slots") {
  const Tensor base = blobs(3000, 16, 300, 115), queries = blobs(100, 16, 300, 116);
  HnswIndex index(16, Metric::kL2, {.M = 8, .ef_construction = 64, .ef = 48});
  index.add(base);
  const std::size_t memory = index.memory_bytes();
  std::vector<std::int64_t> gone;
  for (std::int64_t i = 0; i < 3000; ++i)
    if (i % 3 != 2) gone.push_back(i);  // two thirds, the entry point among them
  CHECK(index.remove(gone) == 2000);
  CHECK(index.size() == 1000);
  const SearchResult r = index.search(queries, 10);
  for (std::int64_t id : r.indices.values<std::int64_t>()) CHECK(id % 3 == 2);
  const double rec = recall(r.indices, naive_knn(base, queries, 10, Metric::kL2,
                                                 [](std::int64_t i) { return i % 3 == 2; }));
  MESSAGE("hnsw recall@10 after removing 2/3: ", rec);
  CHECK(rec >= 0.95);
  // Re-adding reuses the freed slots: memory does not grow.
  index.add(base.narrow_rows(0, 2000));
  CHECK(index.size() == 3000);
  CHECK(index.memory_bytes() <= memory + memory / 20);
  CHECK(index.remove({5000, -1}) == 0);
}

TEST_CASE("hnsw: filtered search returns k allowed results inside the walk") {
  const Tensor base = blobs(3000, 16, 300, 117), queries = blobs(50, 16, 300, 118);
  HnswIndex index(16, Metric::kL2, {.M = 8, .ef_construction = 64, .ef = 40});
  index.add(base);
  Tensor labels({3000}, kInt64);
  for (std::int64_t i = 0; i < 3000; ++i) labels.data<std::int64_t>()[i] = i % 10;
  const SearchResult r = index.search(queries, 10, Filter::allow_labels(labels, {4}));
  for (std::int64_t id : r.indices.values<std::int64_t>()) {
    CHECK(id >= 0);  // 300 allowed nodes: always 10 found
    CHECK(id % 10 == 4);
  }
  const double rec = recall(r.indices, naive_knn(base, queries, 10, Metric::kL2,
                                                 [](std::int64_t i) { return i % 10 == 4; }));
  MESSAGE("hnsw recall@10 with a 10% label filter: ", rec);
  CHECK(rec >= 0.9);
}

TEST_CASE("hnsw: parameter errors") {
  CHECK(error_of([] { HnswIndex(4, Metric::kL2, {.M = 1}); }).find("M must be in [2, 1024]") !=
        std::string::npos);
  CHECK(error_of([] {
          HnswIndex(4, Metric::kL2, {.ef_construction = 0});
        }).find("ef_construction must be >= 1") != std::string::npos);
  HnswIndex index(4);
  CHECK(error_of([&] { index.set_ef(0); }).find("ef must be >= 1, got 0") != std::string::npos);
  CHECK(index.search(ones({1, 4}), 3).indices.values<std::int64_t>() ==
        std::vector<std::int64_t>(3, -1));
}
