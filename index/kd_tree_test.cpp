// Tests for index/kd_tree.cpp: exact answers at low dimensions (against the naive oracle, with
// duplicate rows and a skewed coordinate), the fallback rule, filters and removal through the tree.
#include "index/kd_tree.h"

#include <doctest/doctest.h>

#include "index/test_util.h"

using namespace minidl;
using namespace minidl::index;
using namespace minidl::index::testing;

TEST_CASE("kdtree: exact ids at 2 to 8 dimensions for L2, squared L2 and cosine") {
  for (std::int64_t d : {2, 3, 5, 8}) {
    const Tensor base = blobs(3000, d, 6, 20 + d), queries = blobs(60, d, 6, 40 + d);
    for (Metric m : {Metric::kL2, Metric::kSquaredL2, Metric::kCosine}) {
      INFO("d = ", d, " metric ", metric_name(m));
      KdTreeIndex index(d, m, {.leaf_size = 8});
      index.add(base);
      CHECK(index.uses_tree());
      const SearchResult r = index.search(queries, 12);
      CHECK(recall(r.indices, naive_knn(base, queries, 12, m)) == 1.0);
    }
  }
}

TEST_CASE("kdtree: the automatic leaf size (16 D rows) is exact; the tree is used up to 12-d") {
  for (std::int64_t d : {2, 7, 12}) {
    const Tensor base = blobs(5000, d, 40, 80 + d), queries = blobs(100, d, 40, 90 + d);
    INFO("d = ", d);
    KdTreeIndex index(d);
    index.add(base);
    CHECK(index.uses_tree());
    CHECK(recall(index.search(queries, 10).indices, naive_knn(base, queries, 10, Metric::kL2)) ==
          1.0);
  }
  KdTreeIndex above(kKdMaxDim + 1);
  above.add(blobs(1000, kKdMaxDim + 1, 4, 99));
  CHECK_FALSE(above.uses_tree());
}

TEST_CASE("kdtree: duplicate rows and a constant coordinate still give exact answers") {
  Tensor base = blobs(1200, 3, 3, 50);
  float* x = base.data<float>();
  for (std::int64_t i = 0; i < 1200; ++i) {
    x[i * 3 + 2] = 1.0f;                                         // constant coordinate
    if (i >= 600) std::copy_n(x + (i - 600) * 3, 3, x + i * 3);  // every row twice
  }
  KdTreeIndex index(3);
  index.add(base);
  const Tensor queries = base.narrow_rows(0, 40);
  const SearchResult r = index.search(queries, 6);
  CHECK(recall(r.indices, naive_knn(base, queries, 6, Metric::kL2)) == 1.0);
  // The query itself and its duplicate come first, lower id first.
  CHECK(r.indices.data<std::int64_t>()[0] == 0);
  CHECK(r.indices.data<std::int64_t>()[1] == 600);
}

TEST_CASE("kdtree: falls back to the exact scan at high dimension, few rows or inner product") {
  KdTreeIndex high(64);
  high.add(blobs(1000, 64, 4, 60));
  CHECK_FALSE(high.uses_tree());
  KdTreeIndex few(3);
  few.add(blobs(kKdMinRows - 1, 3, 2, 61));
  CHECK_FALSE(few.uses_tree());
  KdTreeIndex ip(3, Metric::kInnerProduct);
  ip.add(blobs(1000, 3, 2, 62));
  CHECK_FALSE(ip.uses_tree());
  const Tensor base = blobs(1000, 64, 4, 60), queries = blobs(20, 64, 4, 63);
  CHECK(recall(high.search(queries, 5).indices, naive_knn(base, queries, 5, Metric::kL2)) == 1.0);
}

TEST_CASE("kdtree: filters and removal go through the tree") {
  const Tensor base = blobs(2000, 4, 5, 70), queries = blobs(30, 4, 5, 71);
  KdTreeIndex index(4);
  index.add(base);
  std::vector<std::int64_t> gone;
  for (std::int64_t i = 0; i < 2000; i += 2) gone.push_back(i);
  CHECK(index.remove(gone) == 1000);
  CHECK(index.uses_tree());
  std::vector<std::int64_t> allowed;
  for (std::int64_t i = 0; i < 2000; i += 3) allowed.push_back(i);
  const SearchResult r = index.search(queries, 8, Filter::allow_ids(allowed));
  CHECK(recall(r.indices, naive_knn(base, queries, 8, Metric::kL2, [](std::int64_t i) {
                 return i % 2 == 1 && i % 3 == 0;
               })) == 1.0);
  CHECK(error_of([] {
          KdTreeIndex bad(3, Metric::kL2, {.leaf_size = -1});
        }).find("leaf_size must be >= 0") != std::string::npos);
}
