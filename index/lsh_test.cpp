// Tests for index/lsh.cpp: recall against exact search for both families, more tables and probes
// never lose recall, the data-set bucket width, parameter errors.
#include "index/lsh.h"

#include <doctest/doctest.h>

#include "index/test_util.h"

using namespace minidl;
using namespace minidl::index;
using namespace minidl::index::testing;

TEST_CASE("lsh: random hyperplanes find cosine neighbours; probes raise recall") {
  const Tensor base = blobs(4000, 24, 400, 100), queries = blobs(100, 24, 400, 101);
  const auto want = naive_knn(base, queries, 10, Metric::kCosine);
  LshIndex index(24, Metric::kCosine, {.tables = 12, .bits = 10, .seed = 3});
  index.add(base);
  const double r0 = recall(index.search(queries, 10).indices, want);
  index.set_probes(4);
  const double r4 = recall(index.search(queries, 10).indices, want);
  MESSAGE("lsh cosine recall@10: probes 0 ", r0, ", probes 4 ", r4);
  CHECK(r4 >= 0.9);
  CHECK(r4 >= r0);
  CHECK(r0 < 1.0);
}

TEST_CASE("lsh: p-stable projections find Euclidean neighbours with the data's bucket width") {
  const Tensor base = blobs(4000, 16, 400, 102), queries = blobs(100, 16, 400, 103);
  for (Metric m : {Metric::kL2, Metric::kSquaredL2}) {
    LshIndex index(16, m, {.tables = 10, .bits = 6, .probes = 4, .seed = 4});
    index.add(base.narrow_rows(0, 1));  // w waits for a second row
    index.add(base.narrow_rows(1, 3999));
    CHECK(index.options().bucket_width > 0);
    const double r = recall(index.search(queries, 10).indices, naive_knn(base, queries, 10, m));
    MESSAGE("lsh ", std::string(metric_name(m)), " recall@10: ", r,
            " (w = ", index.options().bucket_width, ")");
    CHECK(r >= 0.9);
  }
}

TEST_CASE("lsh: parameter errors") {
  CHECK(error_of([] { LshIndex(4, Metric::kL2, {.bits = 65}); }).find("bits must be in [1, 64]") !=
        std::string::npos);
  CHECK(error_of([] { LshIndex(4, Metric::kL2, {.tables = 0}); }).find("tables must be >= 1") !=
        std::string::npos);
  CHECK(error_of([] {
          LshIndex(4, Metric::kL2, {.bits = 4, .probes = 5});
        }).find("probes must be in [0, bits = 4], got 5") != std::string::npos);
  CHECK(error_of([] {
          LshIndex(4, Metric::kL2, {.bucket_width = -1});
        }).find("bucket_width must be >= 0") != std::string::npos);
}

// Found by the index_fuzz target: a projection beyond int64's range (huge but finite coordinates
// over a small bucket width) was converted to an integer bucket directly, which is undefined
// behaviour (UBSan: "outside the range of representable values of type 'long'"). Such buckets
// now saturate; the search still answers with the stored ids. The sanitizer build checks the UB.
TEST_CASE("lsh: p-stable hashing of coordinates far beyond the bucket width is defined") {
  LshIndex index(2, Metric::kL2, {.tables = 2, .bits = 4, .probes = 1, .bucket_width = 1e-6});
  index.add(from_vector(std::vector<float>{1e15f, -1e15f, -1e15f, 1e15f, 2.f, 0.f}, {3, 2}));
  const auto r = index.search(from_vector(std::vector<float>{1e15f, -1e15f}, {1, 2}), 3);
  CHECK(r.indices.data<std::int64_t>()[0] == 0);
}
