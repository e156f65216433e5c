// k-means, NMI and ARI. The NMI and ARI constants were worked out by hand from the definitions in
// metrics/clustering.h (arithmetic in the comments; scikit-learn was not installed here). The
// cases marked "sklearn docs" are the examples printed in scikit-learn's docstrings of
// adjusted_rand_score and normalized_mutual_info_score.
#include "metrics/clustering.h"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "tensor/ops.h"
#include "tensor/random.h"

using namespace minidl;
using namespace minidl::metrics;

namespace {

Tensor ints(const std::vector<std::int64_t>& v) { return from_vector(v); }

// `per` points around each centre, N(0, sigma^2) per coordinate; labels are the blob index.
std::pair<Tensor, Tensor> blobs(const std::vector<std::vector<float>>& centres, std::int64_t per,
                                float sigma, std::uint64_t seed) {
  const std::int64_t k = static_cast<std::int64_t>(centres.size());
  const std::int64_t d = static_cast<std::int64_t>(centres[0].size());
  Generator gen(seed);
  Tensor x = randn({k * per, d}, gen, kFloat32, 0.0, sigma);
  Tensor y({k * per}, kInt64);
  float* p = x.data<float>();
  for (std::int64_t c = 0; c < k; ++c)
    for (std::int64_t i = 0; i < per; ++i) {
      y.data<std::int64_t>()[c * per + i] = c;
      for (std::int64_t j = 0; j < d; ++j) p[(c * per + i) * d + j] += centres[c][j];
    }
  return {x, y};
}

}  // namespace

TEST_CASE("clustering: ARI on hand-worked and documented cases") {
  // sklearn docs: identical partitions up to renaming score 1, [0,0,1,2] vs [0,0,1,1] 0.57,
  // all-in-one vs all-apart 0, [0,0,1,1] vs [0,1,0,1] -0.5.
  CHECK(adjusted_rand_index(ints({0, 0, 1, 1}), ints({1, 1, 5, 5})) == 1.0);
  CHECK(adjusted_rand_index(ints({5, 5, -3, -3}), ints({7, 7, 9, 9})) == 1.0);
  // tp = 1, fn = 0, fp = 1, tn = 6 - 2 = 4: 2 (1*4 - 0) / (1*4 + 2*5) = 8/14
  CHECK(adjusted_rand_index(ints({0, 0, 1, 2}), ints({0, 0, 1, 1})) == doctest::Approx(8.0 / 14));
  CHECK(adjusted_rand_index(ints({0, 0, 1, 1}), ints({0, 0, 1, 2})) == doctest::Approx(8.0 / 14));
  CHECK(adjusted_rand_index(ints({0, 0, 0, 0}), ints({0, 1, 2, 3})) == doctest::Approx(0.0));
  // tp = 0, fn = fp = 2, tn = 2: 2 (0 - 4) / (2*4 + 2*4) = -0.5
  CHECK(adjusted_rand_index(ints({0, 0, 1, 1}), ints({0, 1, 0, 1})) == doctest::Approx(-0.5));
  // true [0,0,0,1,1,1], pred [0,0,1,1,2,2]: 15 pairs; tp = 1 + 1 = 2, same-true 3 + 3 = 6 so
  // fn = 4, same-pred 3 so fp = 1, tn = 8: 2 (2*8 - 4*1) / (6*12 + 3*9) = 24/99
  CHECK(adjusted_rand_index(ints({0, 0, 0, 1, 1, 1}), ints({0, 0, 1, 1, 2, 2})) ==
        doctest::Approx(24.0 / 99));
  CHECK(adjusted_rand_index(ints({3}), ints({8})) == 1.0);  // no pairs: full agreement
}

TEST_CASE("clustering: NMI with arithmetic-mean normalisation") {
  // sklearn docs: renamed identical partitions 1, all-in-one vs all-apart 0.
  CHECK(normalized_mutual_info(ints({0, 0, 1, 1}), ints({9, 9, 4, 4})) == doctest::Approx(1.0));
  CHECK(normalized_mutual_info(ints({0, 0, 0, 0}), ints({0, 1, 2, 3})) == 0.0);
  // Independent partitions: every term log(4*1 / (2*2)) = 0, MI = 0.
  CHECK(normalized_mutual_info(ints({0, 0, 1, 1}), ints({0, 1, 0, 1})) == 0.0);
  // Neither splits the data: 1 by convention.
  CHECK(normalized_mutual_info(ints({4, 4, 4}), ints({2, 2, 2})) == 1.0);
  // true [0,0,0,1,1,1], pred [0,0,1,1,2,2]: cells (0,0)=2 (0,1)=1 (1,1)=1 (1,2)=2, a = 3,3,
  // b = 2,2,2. MI = 2 * (2/6) log(6*2/(3*2)) + 2 * (1/6) log(6/(3*2)) = (2/3) log 2;
  // H(U) = log 2, H(V) = log 3; NMI = (2/3) log 2 / ((log 2 + log 3) / 2) = 4 log 2 / (3 log 6)
  CHECK(normalized_mutual_info(ints({0, 0, 0, 1, 1, 1}), ints({0, 0, 1, 1, 2, 2})) ==
        doctest::Approx(4 * std::log(2.0) / (3 * std::log(6.0))).epsilon(1e-12));
  // Symmetric.
  CHECK(normalized_mutual_info(ints({0, 0, 1, 1, 2, 2}), ints({0, 0, 0, 1, 1, 1})) ==
        doctest::Approx(4 * std::log(2.0) / (3 * std::log(6.0))).epsilon(1e-12));
}

TEST_CASE("clustering: k-means on a hand case and on separated blobs") {
  // 0, 1 | 10, 11: centres 0.5 and 10.5, inertia 4 * 0.25 = 1.
  KMeansResult r = kmeans(tensor({{0}, {1}, {10}, {11}}), 2, {.seed = 3});
  const auto lab = r.labels.values<std::int64_t>();
  CHECK(lab[0] == lab[1]);
  CHECK(lab[2] == lab[3]);
  CHECK(lab[0] != lab[2]);
  CHECK(r.centroids.at(lab[0]) == doctest::Approx(0.5));
  CHECK(r.centroids.at(lab[2]) == doctest::Approx(10.5));
  CHECK(r.inertia == doctest::Approx(1.0));

  auto [x, y] = blobs({{0, 0, 0}, {6, 6, 0}, {-6, 6, 1}, {0, -7, 3}}, 60, 0.5f, 4);
  ClusteringScores s = cluster_and_score(x, y, {.seed = 1});
  CHECK(s.nmi == doctest::Approx(1.0));
  CHECK(s.ari == 1.0);
  CHECK(s.clustering.centroids.shape() == Shape{4, 3});
  // k = 1: the centre is the mean, the inertia the total sum of squares.
  KMeansResult one = kmeans(tensor({{1, 2}, {3, 6}}), 1);
  CHECK(one.centroids.values<float>() == std::vector<float>{2, 4});
  CHECK(one.inertia == doctest::Approx(1 + 4 + 1 + 4));
  // k = N: every point is a centre.
  CHECK(kmeans(tensor({{1, 2}, {3, 6}, {0, 0}}), 3).inertia == 0.0);
}

TEST_CASE("clustering: k-means ends at a Lloyd fixed point; restarts and seeds") {
  // Overlapping blobs, so seeding and restarts matter.
  auto [x, y] = blobs({{0, 0}, {2, 0}, {1, 2}, {4, 3}, {5, 0}}, 40, 1.0f, 9);
  const KMeansResult r = kmeans(x, 5, {.n_init = 4, .seed = 2});
  const std::int64_t n = x.size(0);
  const std::vector<double> px = x.to_vector(), pc = r.centroids.to_vector();
  const auto lab = r.labels.values<std::int64_t>();
  std::vector<double> sum(10, 0), cnt(5, 0);
  double inertia = 0;
  int wrong_label = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    auto d2 = [&](std::int64_t c) {
      return (px[i * 2] - pc[c * 2]) * (px[i * 2] - pc[c * 2]) +
             (px[i * 2 + 1] - pc[c * 2 + 1]) * (px[i * 2 + 1] - pc[c * 2 + 1]);
    };
    for (std::int64_t c = 0; c < 5; ++c) wrong_label += d2(c) < d2(lab[i]) - 1e-4;
    inertia += d2(lab[i]);
    cnt[lab[i]] += 1;
    sum[lab[i] * 2] += px[i * 2];
    sum[lab[i] * 2 + 1] += px[i * 2 + 1];
  }
  CHECK(wrong_label == 0);  // every point sits with its nearest centre
  for (std::int64_t c = 0; c < 5; ++c) {
    REQUIRE(cnt[c] > 0);
    CHECK(pc[c * 2] == doctest::Approx(sum[c * 2] / cnt[c]).epsilon(1e-5));  // centre = mean
    CHECK(pc[c * 2 + 1] == doctest::Approx(sum[c * 2 + 1] / cnt[c]).epsilon(1e-5));
  }
  CHECK(r.inertia == doctest::Approx(inertia).epsilon(1e-9));
  CHECK(r.iterations >= 1);

  // Same seed, same result; more restarts never do worse than the first of them alone.
  const KMeansResult again = kmeans(x, 5, {.n_init = 4, .seed = 2});
  CHECK(again.labels.values<std::int64_t>() == lab);
  CHECK(again.inertia == r.inertia);
  CHECK(r.inertia <= kmeans(x, 5, {.n_init = 1, .seed = 2}).inertia);
  // Clusters follow the blobs well (not exactly: they overlap).
  CHECK(adjusted_rand_index(y, r.labels) > 0.4);
}

TEST_CASE("clustering: duplicate points and empty clusters stay finite") {
  // Seeding has to pick a duplicate centre; the empty cluster takes a point and the run ends.
  KMeansResult r = kmeans(tensor({{0}, {0}, {0}, {0}, {10}}), 3, {.n_init = 2});
  CHECK(r.inertia == 0.0);
  const auto c = r.centroids.to_vector();
  for (double v : c) CHECK(std::isfinite(v));
}

TEST_CASE("clustering: errors name the function and the values") {
  const Tensor x = tensor({{0}, {1}});
  CHECK_THROWS_WITH_AS(kmeans(x, 3), doctest::Contains("kmeans: k must be in [1, N] = [1, 2]"),
                       Error);
  CHECK_THROWS_WITH_AS(kmeans(x, 0), doctest::Contains("got 0"), Error);
  CHECK_THROWS_WITH_AS(kmeans(zeros({0, 2}), 1), doctest::Contains("kmeans: x is empty"), Error);
  CHECK_THROWS_WITH_AS(kmeans(tensor({{0}, {NAN}}), 1), doctest::Contains("x[1, 0] is nan"), Error);
  CHECK_THROWS_WITH_AS(kmeans(x, 1, {.n_init = 0}), doctest::Contains("n_init must be >= 1"),
                       Error);
  CHECK_THROWS_WITH_AS(normalized_mutual_info(ints({0, 1}), ints({0})),
                       doctest::Contains("normalized_mutual_info: 2 true labels but 1 predicted"),
                       Error);
  CHECK_THROWS_WITH_AS(adjusted_rand_index(ints({}), ints({})),
                       doctest::Contains("adjusted_rand_index: no samples"), Error);
  CHECK_THROWS_WITH_AS(adjusted_rand_index(x, ints({0, 1})),
                       doctest::Contains("labels_true must be int64 [N], got float32 [2,1]"),
                       Error);
}
