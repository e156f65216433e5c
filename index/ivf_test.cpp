// Tests for index/ivf.cpp: nprobe = nlist is exact, a few probes give high recall on clustered
// data, explicit training, parameters kept, and training errors.
#include "index/ivf.h"

#include <doctest/doctest.h>

#include "index/test_util.h"

using namespace minidl;
using namespace minidl::index;
using namespace minidl::index::testing;

TEST_CASE("ivf: probing every list is exact search, for every metric") {
  const Tensor base = blobs(2000, 12, 10, 90), queries = blobs(40, 12, 10, 91);
  for (Metric m : {Metric::kL2, Metric::kSquaredL2, Metric::kCosine, Metric::kInnerProduct}) {
    INFO(metric_name(m));
    IvfIndex index(12, m, {.nlist = 16, .nprobe = 16});
    index.add(base);
    CHECK(index.size() == 2000);
    CHECK(recall(index.search(queries, 10).indices, naive_knn(base, queries, 10, m)) == 1.0);
  }
}

TEST_CASE("ivf: recall against exact search grows with nprobe") {
  const Tensor base = blobs(4000, 16, 20, 92), queries = blobs(100, 16, 20, 93);
  IvfIndex index(16, Metric::kL2, {.nlist = 32, .nprobe = 1});
  index.add(base.narrow_rows(0, 3000));  // trains on the first add
  index.add(base.narrow_rows(3000, 1000));
  const auto want = naive_knn(base, queries, 10, Metric::kL2);
  const double r1 = recall(index.search(queries, 10).indices, want);
  index.set_nprobe(4);
  const double r4 = recall(index.search(queries, 10).indices, want);
  index.set_nprobe(12);
  const double r12 = recall(index.search(queries, 10).indices, want);
  MESSAGE("ivf recall@10: nprobe 1 ", r1, ", 4 ", r4, ", 12 ", r12);
  CHECK(r12 >= 0.98);
  CHECK(r12 >= r4);
  CHECK(r4 >= r1);
  CHECK(r1 < 1.0);  // one probe misses neighbours across cell borders (else the test is moot)
}

TEST_CASE("ivf: explicit training, errors and an empty index") {
  IvfIndex index(4, Metric::kL2, {.nlist = 8, .nprobe = 2});
  const SearchResult empty = index.search(blobs(2, 4, 2, 94), 3);
  CHECK(empty.indices.values<std::int64_t>() == std::vector<std::int64_t>(6, -1));
  CHECK(error_of([&] { index.add(blobs(5, 4, 2, 95)); }).find("at least nlist = 8 rows, got 5") !=
        std::string::npos);
  index.train(blobs(200, 4, 8, 96));
  CHECK(index.trained());
  index.add(blobs(5, 4, 2, 95));
  CHECK(index.size() == 5);
  CHECK(error_of([&] { index.train(blobs(200, 4, 8, 96)); }).find("train before adding") !=
        std::string::npos);
  CHECK(error_of([&] { index.set_nprobe(9); }).find("nprobe must be in [1, nlist = 8], got 9") !=
        std::string::npos);
  CHECK(error_of([] { IvfIndex bad(4, Metric::kL2, {.nlist = 0}); }).find("nlist must be >= 1") !=
        std::string::npos);
}
