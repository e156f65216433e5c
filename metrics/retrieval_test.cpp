// Retrieval metrics: hand-worked cases (the arithmetic is in the comments), a brute-force
// full-matrix reference written straight from PML's definitions, tile and thread independence,
// and the error messages.
#include "metrics/retrieval.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/random.h"

using namespace minidl;
using namespace minidl::metrics;

namespace {

Tensor ints(const std::vector<std::int64_t>& v) { return from_vector(v); }

// 1-D embeddings [N, 1] at the given positions.
Tensor line(const std::vector<float>& x) {
  return from_vector(x, {static_cast<std::int64_t>(x.size()), 1});
}

// Gaussian values rounded to multiples of 1/8 in [-4, 4]: every product and sum of up to D = 8
// terms is exact in float32, so the float GEMM and a double loop give identical distances, ties
// included (and the rounding makes ties common).
Tensor quantised(std::int64_t n, std::int64_t d, std::uint64_t seed) {
  Generator gen(seed);
  Tensor x = randn({n, d}, gen);
  float* p = x.data<float>();
  for (std::int64_t i = 0; i < n * d; ++i) p[i] = std::clamp(std::round(p[i] * 8) / 8, -4.f, 4.f);
  return x;
}

Tensor random_labels(std::int64_t n, std::int64_t classes, std::uint64_t seed) {
  Generator gen(seed);
  return randint(0, classes, {n}, gen);
}

// The reference: the full N x N key matrix in double, every row fully sorted by (key, index),
// metrics from PML's relevance-mask formulas (accuracy_calculator.py).
struct Reference {
  double p1 = 0, rp = 0, map = 0;
  std::vector<double> recall;
  std::vector<std::vector<std::int64_t>> order;  // per query, all others, nearest first
};

Reference brute_force(const Tensor& x, const Tensor& labels, RetrievalDistance dist,
                      const std::vector<std::int64_t>& ks) {
  const std::int64_t n = x.size(0), d = x.size(1);
  const std::vector<double> v = x.to_vector();
  const std::vector<std::int64_t> y = labels.values<std::int64_t>();
  Reference ref;
  ref.recall.assign(ks.size(), 0);
  std::int64_t used = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    std::vector<double> key(static_cast<std::size_t>(n));
    for (std::int64_t j = 0; j < n; ++j) {
      double dot = 0, sqi = 0, sqj = 0;
      for (std::int64_t c = 0; c < d; ++c) {
        dot += v[i * d + c] * v[j * d + c];
        sqi += v[i * d + c] * v[i * d + c];
        sqj += v[j * d + c] * v[j * d + c];
      }
      key[j] = dist == RetrievalDistance::kEuclidean ? std::max(sqi + sqj - 2 * dot, 0.0) : -dot;
    }
    std::vector<std::int64_t> others;
    for (std::int64_t j = 0; j < n; ++j)
      if (j != i) others.push_back(j);
    std::sort(others.begin(), others.end(), [&](std::int64_t a, std::int64_t b) {
      return key[a] < key[b] || (key[a] == key[b] && a < b);
    });
    ref.order.push_back(others);
    const std::int64_t r = std::count(y.begin(), y.end(), y[i]) - 1;
    if (r == 0) continue;
    ++used;
    std::vector<int> rel;
    for (std::int64_t j : others) rel.push_back(y[j] == y[i]);
    ref.p1 += rel[0];
    double matches = 0, ap = 0;
    for (std::int64_t pos = 0; pos < r; ++pos) {  // relevance mask: the first R columns
      matches += rel[pos];
      ap += rel[pos] * matches / static_cast<double>(pos + 1);
    }
    ref.rp += matches / static_cast<double>(r);
    ref.map += ap / static_cast<double>(r);
    for (std::size_t q = 0; q < ks.size(); ++q) {
      const std::int64_t k = std::min(ks[q], n - 1);
      ref.recall[q] += std::any_of(rel.begin(), rel.begin() + k, [](int t) { return t == 1; });
    }
  }
  ref.p1 /= used;
  ref.rp /= used;
  ref.map /= used;
  for (double& r : ref.recall) r /= used;
  return ref;
}

void check_same_result(const RetrievalResult& a, const RetrievalResult& b) {
  CHECK(a.precision_at_1 == b.precision_at_1);
  CHECK(a.r_precision == b.r_precision);
  CHECK(a.map_at_r == b.map_at_r);
  CHECK(a.recall_at_k == b.recall_at_k);
  CHECK(a.num_queries == b.num_queries);
}

}  // namespace

TEST_CASE("retrieval: hand-worked Euclidean case, two classes of three") {
  // x = 0 1 3 4 6 10 with classes A A B A B B (R = 2 for everyone). Neighbour orders (labels):
  //   q0: 1A 2B 3A 4B 5B       top-2 rel 1 0   AP = 1/2 * 1/1 = .5   RP .5   first match 1
  //   q1: 0A 2B 3A 4B 5B       1 0             .5                     .5      1
  //   q2: 3A 1A 0A 4B 5B       0 0 (0 and 4 tie at 3: index 0 first)  0       4
  //   q3: 2B 4B 1A 0A 5B       0 0             0                      0       3
  //   q4: 3A 2B 5B 1A 0A       0 1             1/2 * 1/2 = .25        .5      2
  //   q5: 4B 3A 2B 1A 0A       1 0             .5                     .5      1
  RetrievalResult r = retrieval_metrics(line({0, 1, 3, 4, 6, 10}), ints({0, 0, 1, 0, 1, 1}),
                                        {.recall_at = {1, 2, 3, 4}});
  CHECK(r.precision_at_1 == doctest::Approx(0.5));
  CHECK(r.r_precision == doctest::Approx(1.0 / 3));
  CHECK(r.map_at_r == doctest::Approx(1.75 / 6));
  CHECK(r.recall_at(1) == doctest::Approx(3.0 / 6));
  CHECK(r.recall_at(2) == doctest::Approx(4.0 / 6));
  CHECK(r.recall_at(3) == doctest::Approx(5.0 / 6));
  CHECK(r.recall_at(4) == doctest::Approx(1.0));
  CHECK(r.num_queries == 6);
  CHECK(r.num_lone == 0);
  CHECK_THROWS_WITH_AS(r.recall_at(8), doctest::Contains("K = 8"), Error);
}

TEST_CASE("retrieval: MAP@R rewards early matches; lone queries are left out; ties by index") {
  // x = 0 1 2 3 4 5, classes A A B A C A: B and C have no other member (lone, skipped).
  // A = {0, 1, 3, 5}, R = 3.
  //   q0: 1A 2B 3A 4C 5A         top-3 rel 1 0 1  AP = (1/1 + 2/3)/3 = 5/9  RP 2/3  first 1
  //   q1: 0A 2B (tie at 1, 0 first) 3A ...     1 0 1   5/9                  2/3     1
  //   q3: 2B 4C (tie at 1) 1A 5A (tie at 2) 0A 0 0 1   (1/3)/3 = 1/9        1/3     3
  //   q5: 4C 3A 2B 1A 0A                       0 1 0   (1/2)/3 = 1/6        1/3     2
  RetrievalResult r = retrieval_metrics(line({0, 1, 2, 3, 4, 5}), ints({7, 7, 8, 7, 9, 7}),
                                        {.recall_at = {1, 2, 3}});
  CHECK(r.num_queries == 4);
  CHECK(r.num_lone == 2);
  CHECK(r.precision_at_1 == doctest::Approx(0.5));
  CHECK(r.r_precision == doctest::Approx(0.5));
  CHECK(r.map_at_r == doctest::Approx((5.0 / 9 + 5.0 / 9 + 1.0 / 9 + 1.0 / 6) / 4));  // 25/72
  CHECK(r.recall_at(1) == doctest::Approx(0.5));
  CHECK(r.recall_at(2) == doctest::Approx(0.75));
  CHECK(r.recall_at(3) == doctest::Approx(1.0));
  CHECK(r.max_k == 3);

  Neighbors nb = nearest_neighbors(line({0, 1, 2, 3, 4, 5}), 3);
  CHECK(nb.indices.values<std::int64_t>() ==
        std::vector<std::int64_t>{1, 2, 3, 0, 2, 3, 1, 3, 0, 2, 4, 1, 3, 5, 2, 4, 3, 2});
  CHECK(nb.distances.values<float>() ==
        std::vector<float>{1, 2, 3, 1, 1, 2, 1, 1, 2, 1, 1, 2, 1, 1, 2, 1, 2, 3});
}

TEST_CASE("retrieval: cosine and dot rank by similarity; three-way cosine tie by index") {
  // x0 = (1,0) A, x1 = (5,0) A, x2 = (1,1) B, x3 = (0,2) B.
  //   Euclidean nearest: q0 -> x2 (d 1) B, q1 -> x0 A, q2 -> x0 A, q3 -> x2 B   P@1 = 2/4
  //   cosine nearest:    q0 -> x1 (1) A,   q1 -> x0 A, q2 -> x0 (x0, x1, x3 tie at 1/sqrt 2) A,
  //                      q3 -> x2 B                                             P@1 = 3/4
  //   dot nearest:       q0 -> x1 (5) A,   q1 -> x0 (5, tie with x2) A, q2 -> x1 (5) A,
  //                      q3 -> x2 (2) B                                         P@1 = 3/4
  const Tensor x = tensor({{1, 0}, {5, 0}, {1, 1}, {0, 2}});
  const Tensor y = ints({0, 0, 1, 1});
  CHECK(retrieval_metrics(x, y).precision_at_1 == doctest::Approx(0.5));
  CHECK(retrieval_metrics(x, y, {.distance = RetrievalDistance::kCosine}).precision_at_1 ==
        doctest::Approx(0.75));
  CHECK(retrieval_metrics(x, y, {.distance = RetrievalDistance::kDot}).precision_at_1 ==
        doctest::Approx(0.75));
  Neighbors cos = nearest_neighbors(x, 3, {.distance = RetrievalDistance::kCosine});
  CHECK(cos.indices.values<std::int64_t>() ==
        std::vector<std::int64_t>{1, 2, 3, 0, 2, 3, 0, 1, 3, 2, 0, 1});
  CHECK(cos.distances.at(0) == doctest::Approx(1.0));
  CHECK(cos.distances.at(7) == doctest::Approx(std::sqrt(0.5)));
  Neighbors dot = nearest_neighbors(x, 1, {.distance = RetrievalDistance::kDot});
  CHECK(dot.indices.values<std::int64_t>() == std::vector<std::int64_t>{1, 0, 1, 2});
  CHECK(dot.distances.values<float>() == std::vector<float>{5, 5, 5, 2});
}

TEST_CASE("retrieval: equals a brute-force full-matrix reference") {
  // 12 classes over 300 samples: sizes vary, so R varies per query; quantised values make the
  // float and double keys identical, ties included.
  const Tensor x = quantised(300, 8, 11);
  Tensor y = random_labels(300, 12, 12);
  y.data<std::int64_t>()[17] = 99;  // one lone query
  const std::vector<std::int64_t> ks = {1, 2, 4, 8, 1000};
  for (RetrievalDistance dist : {RetrievalDistance::kEuclidean, RetrievalDistance::kDot}) {
    CAPTURE(static_cast<int>(dist));
    const Reference ref = brute_force(x, y, dist, ks);
    RetrievalResult r = retrieval_metrics(x, y, {.distance = dist, .recall_at = ks});
    CHECK(r.num_lone == 1);
    CHECK(r.num_queries == 299);
    CHECK(r.precision_at_1 == doctest::Approx(ref.p1).epsilon(1e-12));
    CHECK(r.r_precision == doctest::Approx(ref.rp).epsilon(1e-12));
    CHECK(r.map_at_r == doctest::Approx(ref.map).epsilon(1e-12));
    for (std::size_t q = 0; q < ks.size(); ++q)
      CHECK(r.recall_at_k[q] == doctest::Approx(ref.recall[q]).epsilon(1e-12));
    CHECK(r.recall_at(1000) == 1.0);  // K > N-1 counts as N-1: every class has a match somewhere

    const std::int64_t k = 40;
    Neighbors nb = nearest_neighbors(x, k, {.distance = dist, .tile_rows = 64});
    const std::int64_t* idx = nb.indices.data<std::int64_t>();
    bool same = true;
    for (std::int64_t i = 0; i < 300; ++i)
      for (std::int64_t c = 0; c < k; ++c) same = same && idx[i * k + c] == ref.order[i][c];
    CHECK(same);
  }
}

TEST_CASE("retrieval: cosine is the dot product of unit rows; per-class average") {
  Generator gen(5);
  const Tensor x = randn({120, 6}, gen);
  const Tensor y = random_labels(120, 5, 6);
  // Unit rows made as the library makes them (double, then rounded to float32).
  Tensor unit = x.clone();
  float* u = unit.data<float>();
  for (std::int64_t i = 0; i < 120; ++i) {
    double s = 0;
    for (std::int64_t j = 0; j < 6; ++j) s += static_cast<double>(u[i * 6 + j]) * u[i * 6 + j];
    for (std::int64_t j = 0; j < 6; ++j)
      u[i * 6 + j] = static_cast<float>(u[i * 6 + j] / std::sqrt(s));
  }
  check_same_result(retrieval_metrics(x, y, {.distance = RetrievalDistance::kCosine}),
                    retrieval_metrics(unit, y, {.distance = RetrievalDistance::kDot}));

  // Per class: x = 0 1 2 | 2.4 5 9 | 100 101 with classes 0 0 0 | 1 1 1 | 2 2.
  //   class 0: q0 -> x1 hit, q1 -> x0 (tie with x2) hit, q2 -> x3 (d .4) miss: 2/3
  //   class 1: q3 -> x2 miss, q4 -> x3 hit, q5 -> x4 hit: 2/3;  class 2: both hit: 1
  //   per query 6/8; per class (2/3 + 2/3 + 1) / 3 = 7/9.
  const Tensor x1 = line({0, 1, 2, 2.4f, 5, 9, 100, 101});
  const Tensor y1 = ints({0, 0, 0, 1, 1, 1, 2, 2});
  CHECK(retrieval_metrics(x1, y1).precision_at_1 == doctest::Approx(6.0 / 8));
  CHECK(retrieval_metrics(x1, y1, {.per_class_average = true}).precision_at_1 ==
        doctest::Approx(7.0 / 9));
}

TEST_CASE("retrieval: results do not depend on the tile size or the thread count") {
  Generator gen(21);
  const Tensor x = randn({500, 24}, gen);  // continuous values: GEMM rounding is in play
  const Tensor y = random_labels(500, 9, 22);
  const RetrievalResult base = retrieval_metrics(x, y, {.tile_rows = 500});
  const Neighbors nb = nearest_neighbors(x, 30, {.tile_rows = 500});
  for (std::int64_t tile : {1, 7, 64, 0}) {
    CAPTURE(tile);
    check_same_result(retrieval_metrics(x, y, {.tile_rows = tile}), base);
    const Neighbors other = nearest_neighbors(x, 30, {.tile_rows = tile});
    CHECK(other.indices.values<std::int64_t>() == nb.indices.values<std::int64_t>());
    CHECK(other.distances.values<float>() == nb.distances.values<float>());
  }
  const int threads = get_num_threads();
  set_num_threads(1);
  const RetrievalResult one = retrieval_metrics(x, y, {.tile_rows = 32});
  set_num_threads(threads);
  check_same_result(one, base);
  CHECK(base.precision_at_1 > 0);
}

TEST_CASE("retrieval: equal keys rank by index; tiny values stay well defined") {
  // All rows equal: every key ties, so each row lists the others in index order.
  Neighbors nb = nearest_neighbors(zeros({4, 3}), 3);
  CHECK(nb.indices.values<std::int64_t>() ==
        std::vector<std::int64_t>{1, 2, 3, 0, 2, 3, 0, 1, 3, 0, 1, 2});
  // Keys near the float32 underflow (a key range far below 1 / FLT_MAX): valid, distinct, no self.
  Generator gen(4);
  const Tensor tiny = mul(randn({50, 4}, gen), 1e-21);
  Neighbors t = nearest_neighbors(tiny, 49);
  const std::int64_t* idx = t.indices.data<std::int64_t>();
  bool ok = true;
  for (std::int64_t i = 0; i < 50; ++i) {
    std::vector<std::int64_t> row(idx + i * 49, idx + (i + 1) * 49);
    std::sort(row.begin(), row.end());
    for (std::int64_t c = 0; c < 49; ++c) ok = ok && row[c] == (c < i ? c : c + 1);
  }
  CHECK(ok);
}

TEST_CASE("retrieval: lone-only data gives NaN averages") {
  RetrievalResult r = retrieval_metrics(line({0, 1, 2}), ints({0, 1, 2}));
  CHECK(r.num_queries == 0);
  CHECK(r.num_lone == 3);
  CHECK(std::isnan(r.precision_at_1));
  CHECK(std::isnan(r.map_at_r));
  // One sample: nothing to retrieve, no error.
  CHECK(retrieval_metrics(line({3}), ints({0})).num_lone == 1);
}

TEST_CASE("retrieval: errors name the function and the values") {
  const Tensor x = line({0, 1, 2});
  CHECK_THROWS_WITH_AS(retrieval_metrics(zeros({0, 4}), ints({})),
                       doctest::Contains("retrieval_metrics: no embeddings"), Error);
  CHECK_THROWS_WITH_AS(retrieval_metrics(x, ints({0, 1})),
                       doctest::Contains("retrieval_metrics: 3 embeddings but 2 labels"), Error);
  Tensor bad = x.clone();
  bad.data<float>()[1] = std::nanf("");
  CHECK_THROWS_WITH_AS(retrieval_metrics(bad, ints({0, 0, 1})),
                       doctest::Contains("embeddings[1, 0] is nan"), Error);
  bad.data<float>()[1] = INFINITY;
  CHECK_THROWS_WITH_AS(nearest_neighbors(bad, 1), doctest::Contains("must be finite"), Error);
  CHECK_THROWS_WITH_AS(retrieval_metrics(x, ints({0, 0, 1}).to(kFloat32)),
                       doctest::Contains("labels must be int64 [N], got float32 [3]"), Error);
  CHECK_THROWS_WITH_AS(retrieval_metrics(zeros({3}), ints({0, 0, 1})),
                       doctest::Contains("embeddings must be float [N, D], got float32 [3]"),
                       Error);
  CHECK_THROWS_WITH_AS(retrieval_metrics(x, ints({0, 0, 1}), {.recall_at = {1, 0}}),
                       doctest::Contains("recall_at K must be >= 1, got 0"), Error);
  CHECK_THROWS_WITH_AS(nearest_neighbors(x, 3),
                       doctest::Contains("k must be in [1, N-1] = [1, 2], got 3"), Error);
  CHECK_THROWS_WITH_AS(retrieval_metrics(line({1e20f, 0, 1}), ints({0, 0, 1})),
                       doctest::Contains("too large for float32"), Error);
}

TEST_CASE("retrieval: any index can rank the neighbours; the exact one gives the same metrics") {
  const Tensor x = quantised(300, 8, 11);
  const Tensor y = random_labels(300, 12, 12);
  const std::vector<std::int64_t> ks = {1, 4, 16};
  for (RetrievalDistance dist : {RetrievalDistance::kEuclidean, RetrievalDistance::kDot}) {
    CAPTURE(static_cast<int>(dist));
    const Reference ref = brute_force(x, y, dist, ks);
    index::IndexSpec exact;
    exact.kind = "exact";
    const RetrievalResult r =
        retrieval_metrics(x, y, {.distance = dist, .recall_at = ks, .index = exact});
    CHECK(r.precision_at_1 == doctest::Approx(ref.p1).epsilon(1e-12));
    CHECK(r.map_at_r == doctest::Approx(ref.map).epsilon(1e-12));
    for (std::size_t q = 0; q < ks.size(); ++q)
      CHECK(r.recall_at_k[q] == doctest::Approx(ref.recall[q]).epsilon(1e-12));
    const Neighbors nb = nearest_neighbors(x, 20, {.distance = dist, .index = exact});
    bool same = true;
    for (std::int64_t i = 0; i < 300; ++i)
      for (std::int64_t c = 0; c < 20; ++c)
        same = same && nb.indices.data<std::int64_t>()[i * 20 + c] == ref.order[i][c];
    CHECK(same);
  }
  // HNSW: approximate, close to the exact figures on this small set.
  index::IndexSpec hnsw;
  hnsw.kind = "hnsw";
  hnsw.hnsw = {.M = 8, .ef_construction = 64, .ef = 64};
  const Reference ref = brute_force(x, y, RetrievalDistance::kEuclidean, ks);
  const RetrievalResult h = retrieval_metrics(x, y, {.recall_at = ks, .index = hnsw});
  CHECK(h.precision_at_1 == doctest::Approx(ref.p1).epsilon(0.05));
  CHECK(h.map_at_r == doctest::Approx(ref.map).epsilon(0.1));
}
