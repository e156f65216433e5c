#include "data/resample.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "tensor/error.h"
#include "tensor/ops.h"
#include "tensor/random.h"

using namespace minidl;
using namespace minidl::data;

namespace {

Tensor labels_of(std::vector<std::int64_t> v) { return from_vector(v); }

// 10 of class 0, 4 of class 1, 2 of class 2, interleaved.
Tensor skewed() { return labels_of({0, 0, 1, 0, 0, 2, 0, 1, 0, 0, 1, 0, 0, 2, 1, 0}); }

std::map<std::int64_t, std::int64_t> count(const Tensor& labels, const Indices& idx) {
  std::map<std::int64_t, std::int64_t> out;
  for (std::int64_t i : idx) ++out[labels.data<std::int64_t>()[i]];
  return out;
}

}  // namespace

TEST_CASE("resample: random oversampling brings every class to the largest count") {
  const Tensor y = skewed();
  const Indices idx = random_oversample(y, {.seed = 3});
  CHECK(count(y, idx) == std::map<std::int64_t, std::int64_t>{{0, 10}, {1, 10}, {2, 10}});
  // Every original sample first, in order; the draws come from the right class.
  for (std::int64_t i = 0; i < y.numel(); ++i) CHECK(idx[static_cast<std::size_t>(i)] == i);
  CHECK(idx == random_oversample(y, {.seed = 3}));
  CHECK(idx != random_oversample(y, {.seed = 4}));
}

TEST_CASE("resample: random undersampling cuts every class to the smallest count") {
  const Tensor y = skewed();
  const Indices idx = random_undersample(y, {.seed = 1});
  CHECK(count(y, idx) == std::map<std::int64_t, std::int64_t>{{0, 2}, {1, 2}, {2, 2}});
  CHECK(std::is_sorted(idx.begin(), idx.end()));
  CHECK(std::adjacent_find(idx.begin(), idx.end()) == idx.end());  // no repeats
  CHECK(idx == random_undersample(y, {.seed = 1}));
}

TEST_CASE("resample: make_imbalance keeps the requested counts") {
  const Tensor y = skewed();
  const Indices idx = make_imbalance(y, {{0, 3}, {2, 5}}, {.seed = 2});
  CHECK(count(y, idx) == std::map<std::int64_t, std::int64_t>{{0, 3}, {1, 4}, {2, 2}});
  CHECK(std::is_sorted(idx.begin(), idx.end()));
  CHECK_THROWS_WITH_AS(make_imbalance(y, {{7, 1}}), doctest::Contains("class 7 has no samples"),
                       Error);
}

TEST_CASE("resample: empty or non-int64 labels are errors") {
  CHECK_THROWS_WITH_AS(random_oversample(zeros({0}, kInt64)),
                       doctest::Contains("random_oversample: no samples"), Error);
  CHECK_THROWS_WITH_AS(random_undersample(zeros({3})),
                       doctest::Contains("random_undersample: labels must be int64 [N]"), Error);
}

TEST_CASE("resample: ClassBalancedSampler draws every class about equally") {
  const Tensor y = skewed();
  ClassBalancedSampler sampler(y, {.num_samples = 30000, .seed = 5});
  CHECK(sampler.size() == 30000);
  const Indices idx = sampler.indices(0);
  for (const auto& [c, n] : count(y, idx)) CHECK(std::abs(n - 10000) < 400);  // ~4 sigma
  CHECK(idx == sampler.indices(0));  // a pure function of the epoch
  CHECK(idx != sampler.indices(1));
}

TEST_CASE("resample: WeightedRandomSampler follows the weights, with and without replacement") {
  WeightedRandomSampler with({1, 0, 3}, {.num_samples = 40000, .seed = 1});
  std::map<std::int64_t, std::int64_t> n;
  for (std::int64_t i : with.indices(2)) ++n[i];
  CHECK(n.count(1) == 0);  // weight 0 is never drawn
  CHECK(std::abs(n[2] - 30000) < 400);
  // Without replacement: a permutation of the positive-weight indices.
  WeightedRandomSampler without({1, 0, 3, 2, 0.5}, {.num_samples = 4, .replacement = false});
  Indices idx = without.indices(0);
  std::sort(idx.begin(), idx.end());
  CHECK(idx == Indices{0, 2, 3, 4});
  // The heaviest index comes first most often.
  std::int64_t first_is_2 = 0;
  for (std::int64_t e = 0; e < 2000; ++e) first_is_2 += without.indices(e)[0] == 2;
  CHECK(first_is_2 > 2000 * 3 / 6.5 - 150);
  CHECK(first_is_2 < 2000 * 3 / 6.5 + 150);
  CHECK_THROWS_WITH_AS(WeightedRandomSampler({1, 0}, {.num_samples = 2, .replacement = false}),
                       doctest::Contains("cannot draw 2 samples without replacement from 1"),
                       Error);
  CHECK_THROWS_WITH_AS(WeightedRandomSampler({0, 0}), doctest::Contains("every weight is 0"),
                       Error);
  CHECK_THROWS_WITH_AS(WeightedRandomSampler({1, -1}),
                       doctest::Contains("WeightedRandomSampler: weight 1 is -1"), Error);
}

TEST_CASE("resample: nearest_neighbors matches brute force") {
  Generator gen(7);
  const Tensor x = randn({300, 5}, gen, kFloat64);  // > one block of 256 rows
  const Tensor nn = nearest_neighbors(x, 3);
  const double* p = x.data<double>();
  for (std::int64_t i = 0; i < 300; i += 37) {
    std::vector<std::pair<double, std::int64_t>> d;
    for (std::int64_t j = 0; j < 300; ++j) {
      if (j == i) continue;
      double s = 0;
      for (int f = 0; f < 5; ++f)
        s += (p[i * 5 + f] - p[j * 5 + f]) * (p[i * 5 + f] - p[j * 5 + f]);
      d.emplace_back(s, j);
    }
    std::sort(d.begin(), d.end());
    for (int m = 0; m < 3; ++m) CHECK(nn.data<std::int64_t>()[i * 3 + m] == d[m].second);
  }
  CHECK_THROWS_WITH_AS(nearest_neighbors(x, 300), doctest::Contains("needs 0 < k < n = 300"),
                       Error);
}

TEST_CASE("resample: SMOTE points lie on segments between same-class neighbours") {
  Generator gen(11);
  const Tensor x = randn({16, 3}, gen, kFloat64);
  const Tensor y = skewed();
  const Resampled r = smote(x, y, {.k_neighbors = 1, .seed = 9});
  CHECK(r.num_synthetic == (10 - 4) + (10 - 2));
  CHECK(r.x.shape() == Shape{30, 3});
  std::map<std::int64_t, std::int64_t> n;
  for (std::int64_t c : r.y.values<std::int64_t>()) ++n[c];
  CHECK(n == std::map<std::int64_t, std::int64_t>{{0, 10}, {1, 10}, {2, 10}});
  // The originals come first, unchanged.
  for (std::int64_t i = 0; i < 16 * 3; ++i) CHECK(r.x.at(i) == x.at(i));
  // Each synthetic point is x_i + u (x_j - x_i), u in [0, 1), for i and j of its class with j
  // the nearest neighbour of i in the class (k = 1).
  const double* p = r.x.data<double>();
  for (std::int64_t s = 16; s < 30; ++s) {
    const std::int64_t c = r.y.values<std::int64_t>()[static_cast<std::size_t>(s)];
    Indices members;
    for (std::int64_t i = 0; i < 16; ++i)
      if (y.data<std::int64_t>()[i] == c) members.push_back(i);
    const Tensor xc = index_select(x, 0, from_vector(members));
    const Tensor nn = nearest_neighbors(xc, 1);
    bool found = false;
    for (std::size_t a = 0; a < members.size() && !found; ++a) {
      const std::int64_t i = members[a], j = members[static_cast<std::size_t>(nn.at(a))];
      // u from the first coordinate, then every coordinate must agree.
      const double u = (p[s * 3] - p[i * 3]) / (p[j * 3] - p[i * 3]);
      if (!(u >= 0 && u < 1)) continue;
      bool on = true;
      for (int f = 0; f < 3; ++f)
        on = on &&
             std::abs(p[s * 3 + f] - (p[i * 3 + f] + u * (p[j * 3 + f] - p[i * 3 + f]))) < 1e-12;
      found = on;
    }
    CHECK_MESSAGE(found, "synthetic sample ", s, " of class ", c, " is on no neighbour segment");
  }
}

TEST_CASE("resample: SMOTE is deterministic by seed and keeps the dtype") {
  Generator gen(1);
  const Tensor x = randn({16, 4}, gen, kFloat32);
  const Tensor y = labels_of({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1});
  const Resampled a = smote(x, y, {.seed = 2}), b = smote(x, y, {.seed = 2});
  const Resampled c = smote(x, y, {.seed = 3});
  CHECK(a.x.dtype() == kFloat32);
  CHECK(a.num_synthetic == 4);
  CHECK(a.x.to_vector() == b.x.to_vector());
  CHECK(a.x.to_vector() != c.x.to_vector());
  // A target count raises every class to it.
  CHECK(smote(x, y, {.target_count = 12}).y.numel() == 24);
}

TEST_CASE("resample: SMOTE errors") {
  const Tensor x = zeros({16, 2}, kFloat64);
  CHECK_THROWS_WITH_AS(smote(x, skewed()),
                       doctest::Contains("smote: class 1 has 4 samples; k_neighbors = 5 needs at "
                                         "least 6"),
                       Error);
  CHECK_THROWS_WITH_AS(smote(zeros({0, 2}), zeros({0}, kInt64)),
                       doctest::Contains("smote: no samples"), Error);
  CHECK_THROWS_WITH_AS(smote(x, labels_of({0, 1})), doctest::Contains("x has 16 rows, labels 2"),
                       Error);
  CHECK_THROWS_WITH_AS(smote(zeros({16}), skewed()),
                       doctest::Contains("smote: x must be float32 or float64 [N, D]"), Error);
}

TEST_CASE("resample: nearest_neighbors and SMOTE take any index") {
  Generator gen(21);
  const Tensor x = randn({400, 6}, gen, kFloat32);
  const Tensor want = nearest_neighbors(x, 4);
  index::IndexSpec exact;
  exact.kind = "exact";
  exact.metric = index::Metric::kSquaredL2;
  CHECK(nearest_neighbors(x, 4, exact).values<std::int64_t>() == want.values<std::int64_t>());
  index::IndexSpec hnsw;
  hnsw.kind = "hnsw";
  hnsw.hnsw = {.M = 8, .ef_construction = 64, .ef = 32};
  const Tensor approx = nearest_neighbors(x, 4, hnsw, {0, 5, 399});
  CHECK(approx.shape() == Shape{3, 4});
  std::int64_t hits = 0;
  for (std::int64_t r = 0; r < 3; ++r)
    for (std::int64_t c = 0; c < 4; ++c) {
      const std::int64_t row = std::vector<std::int64_t>{0, 5, 399}[static_cast<std::size_t>(r)];
      const auto* w = want.data<std::int64_t>() + row * 4;
      hits += std::count(w, w + 4, approx.data<std::int64_t>()[r * 4 + c]);
    }
  CHECK(hits >= 11);
  // SMOTE with an explicit exact index spec draws the same samples as the default search.
  std::vector<std::int64_t> yv(400, 0);
  for (std::int64_t i = 0; i < 60; ++i) yv[static_cast<std::size_t>(i * 6)] = 1;
  const Tensor y2 = from_vector(yv);
  const Resampled a = smote(x, y2, {.seed = 4});
  const Resampled b = smote(x, y2, {.seed = 4, .index = exact});
  CHECK(a.x.to_vector() == b.x.to_vector());
  CHECK_THROWS_WITH_AS(nearest_neighbors(x, 0, exact), doctest::Contains("needs 0 < k < n"), Error);
}
