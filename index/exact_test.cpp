// Tests for index/exact.cpp and the shared index/index.cpp: exact ids against a naive double
// oracle for every metric on awkward sizes (tiles and blocks cut mid-way), k past N, ties, the
// same bits for 1 and 2 threads, filters, removal that frees, and input errors.
#include "index/exact.h"

#include <doctest/doctest.h>

#include "index/test_util.h"
#include "tensor/parallel.h"
#include "tests/test_util.h"

using namespace minidl;
using namespace minidl::index;
using namespace minidl::index::testing;

TEST_CASE("exact index: ids match the naive oracle for every metric") {
  // 2100 rows: three base blocks (1024 + 1024 + 52); 600 queries: a full query tile of 512
  // and a short one.
  const Tensor base = blobs(2100, 19, 7, 1);
  const Tensor queries = blobs(600, 19, 7, 2);
  for (Metric m : {Metric::kL2, Metric::kSquaredL2, Metric::kCosine, Metric::kInnerProduct}) {
    INFO(metric_name(m));
    ExactIndex index(19, m);
    index.add(base.narrow_rows(0, 1000));
    index.add(base.narrow_rows(1000, 1100));
    const SearchResult r = index.search(queries, 10);
    CHECK(recall(r.indices, naive_knn(base, queries, 10, m)) == 1.0);
    // Distances: the reported value of each id, recomputed.
    const std::int64_t id = r.indices.data<std::int64_t>()[0];
    double dd = 0, ip = 0, qn = 0, xn = 0;
    for (int t = 0; t < 19; ++t) {
      const double a = queries.data<float>()[t], b = base.data<float>()[id * 19 + t];
      dd += (a - b) * (a - b), ip += a * b, qn += a * a, xn += b * b;
    }
    const double want = m == Metric::kL2          ? std::sqrt(dd)
                        : m == Metric::kSquaredL2 ? dd
                        : m == Metric::kCosine    ? ip / std::sqrt(qn * xn)
                                                  : ip;
    CHECK(r.distances.data<float>()[0] == doctest::Approx(want).epsilon(1e-4));
  }
}

TEST_CASE("exact index: short results are padded with -1 and NaN; ties go to the lower id") {
  ExactIndex index(2, Metric::kL2);
  index.add(tensor({{1, 0}, {0, 1}, {-1, 0}}));
  const SearchResult r = index.search(tensor({{0, 0}}), 5);
  CHECK(r.indices.values<std::int64_t>() == std::vector<std::int64_t>{0, 1, 2, -1, -1});
  CHECK(std::isnan(r.distances.data<float>()[4]));
  CHECK(r.distances.data<float>()[0] == 1.0f);
}

TEST_CASE("exact index: results are bitwise the same on 1 and 2 threads") {
  const Tensor base = blobs(3000, 33, 5, 3), queries = blobs(1100, 33, 5, 4);
  ExactIndex index(33);
  index.add(base);
  const int before = get_num_threads();
  set_num_threads(1);
  const SearchResult a = index.search(queries, 7);
  set_num_threads(2);
  const SearchResult b = index.search(queries, 7);
  set_num_threads(before);
  CHECK(minidl::testing::bitwise_equal(a.indices, b.indices));
  CHECK(minidl::testing::bitwise_equal(a.distances, b.distances));
}

TEST_CASE("exact index: filters by id and by label inside the search") {
  const Tensor base = blobs(500, 8, 4, 5), queries = blobs(20, 8, 4, 6);
  ExactIndex index(8);
  index.add(base);
  std::vector<std::int64_t> odd;
  for (std::int64_t i = 1; i < 500; i += 2) odd.push_back(i);
  const SearchResult r = index.search(queries, 10, Filter::allow_ids(odd));
  CHECK(recall(r.indices, naive_knn(base, queries, 10, Metric::kL2,
                                    [](std::int64_t i) { return i % 2 == 1; })) == 1.0);
  Tensor labels({500}, kInt64);
  for (std::int64_t i = 0; i < 500; ++i) labels.data<std::int64_t>()[i] = i % 5;
  const SearchResult s = index.search(queries, 10, Filter::allow_labels(labels, {0, 3}));
  for (std::int64_t id : s.indices.values<std::int64_t>()) CHECK((id % 5 == 0 || id % 5 == 3));
  CHECK(recall(s.indices, naive_knn(base, queries, 10, Metric::kL2, [](std::int64_t i) {
                 return i % 5 == 0 || i % 5 == 3;
               })) == 1.0);
}

TEST_CASE("exact index: removal takes vectors out and frees their memory; ids are not reused") {
  const Tensor base = blobs(1000, 16, 4, 7), queries = blobs(10, 16, 4, 8);
  ExactIndex index(16);
  index.add(base);
  const std::size_t full = index.memory_bytes();
  std::vector<std::int64_t> gone;
  for (std::int64_t i = 0; i < 1000; i += 3) gone.push_back(i);
  CHECK(index.remove(gone) == 334);
  CHECK(index.remove({0, 3, 99999}) == 0);
  CHECK(index.size() == 666);
  CHECK(index.memory_bytes() < full * 7 / 10);
  const SearchResult r = index.search(queries, 5);
  CHECK(recall(r.indices, naive_knn(base, queries, 5, Metric::kL2,
                                    [](std::int64_t i) { return i % 3 != 0; })) == 1.0);
  CHECK(index.add(queries) == 1000);
}

TEST_CASE("exact index: input errors name the op and the values") {
  ExactIndex index(4);
  CHECK(error_of([&] {
          index.add(zeros({3, 5}));
        }).find("has dim 4, rows have 5") != std::string::npos);
  CHECK(error_of([&] { index.add(zeros({3}, kFloat32)); }).find("expects float rows [M, 4]") !=
        std::string::npos);
  CHECK(error_of([&] {
          index.add(tensor({{1, 2, 3, NAN}}));
        }).find("must be finite") != std::string::npos);
  index.add(ones({2, 4}));
  CHECK(error_of([&] {
          index.search(ones({1, 4}), 0);
        }).find("k must be >= 1, got 0") != std::string::npos);
  CHECK(error_of([] { ExactIndex bad(0); }).find("dim must be >= 1") != std::string::npos);
  CHECK(error_of([] { metric_from_name("hamming"); }).find("unknown metric 'hamming'") !=
        std::string::npos);
}

TEST_CASE("exact index: exact_search and recall_at_k") {
  const Tensor base = blobs(300, 5, 3, 9), queries = blobs(12, 5, 3, 10);
  const SearchResult r = exact_search(base, queries, 4);
  CHECK(recall_at_k(r.indices, r.indices) == 1.0);
  Tensor half = r.indices.clone();
  for (std::int64_t i = 0; i < 12; ++i) half.data<std::int64_t>()[i * 4] = -1;
  CHECK(recall_at_k(half, r.indices) == doctest::Approx(0.75));
}
