// Few-shot episodes and the prototype classifier: a hand-worked prototype case, an episode
// distribution worked out by enumeration, the confidence interval formula, seeding and errors.
#include "metrics/few_shot.h"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "tensor/parallel.h"
#include "tensor/random.h"

using namespace minidl;
using namespace minidl::metrics;

namespace {

Tensor ints(const std::vector<std::int64_t>& v) { return from_vector(v); }

}  // namespace

TEST_CASE("few_shot: prototypes are support means; ties go to the smaller label") {
  // Prototypes: label 3 -> mean of (0,0), (2,0) = (1,0); label 7 -> mean of (10,10), (12,10) =
  // (11,10). Queries: (0,1) -> 3; (9,9) -> 7; (6,5) is 25 + 25 = 50 from both -> 3.
  const Tensor support = tensor({{10, 10}, {0, 0}, {12, 10}, {2, 0}});
  const Tensor labels = ints({7, 3, 7, 3});
  const Tensor pred = prototype_classify(support, labels, tensor({{0, 1}, {9, 9}, {6, 5}}));
  CHECK(pred.values<std::int64_t>() == std::vector<std::int64_t>{3, 7, 3});
}

TEST_CASE("few_shot: episode accuracy follows the enumerated distribution") {
  // 2-way 1-shot 1-query on 1-D classes A = {0, 1}, B = {1.4, 10}: every episode uses both
  // classes and both samples of each; only the support choice varies, uniformly over 4 cases:
  //   support A 0, B 1.4:  query 1 -> B (wrong), query 10 -> B   accuracy .5
  //   support A 0, B 10:   query 1 -> A,  query 1.4 -> A (wrong)  .5
  //   support A 1, B 1.4:  query 0 -> A,  query 10 -> B           1
  //   support A 1, B 10:   query 0 -> A,  query 1.4 -> A (wrong)  .5
  // Expected accuracy .625, per-episode sd sqrt(.25 * .75) * .5 = .2165.
  const Tensor x = tensor({{0}, {1}, {1.4}, {10}});
  const Tensor y = ints({0, 0, 1, 1});
  FewShotResult r = few_shot_eval(x, y, {.n_way = 2, .k_shot = 1, .n_query = 1, .episodes = 2000});
  REQUIRE(r.accuracies.size() == 2000);
  int halves = 0, ones = 0;
  for (double a : r.accuracies) {
    halves += a == 0.5;
    ones += a == 1.0;
  }
  CHECK(halves + ones == 2000);
  CHECK(r.mean_accuracy == doctest::Approx(0.625).epsilon(0.04));  // ~5 standard errors
  // ci95 = 1.96 * population sd / sqrt(E), from the accuracies themselves.
  double ss = 0;
  for (double a : r.accuracies) ss += (a - r.mean_accuracy) * (a - r.mean_accuracy);
  CHECK(r.ci95 == doctest::Approx(1.96 * std::sqrt(ss / 2000) / std::sqrt(2000.0)));
  CHECK(r.ci95 == doctest::Approx(1.96 * 0.2165 / std::sqrt(2000.0)).epsilon(0.1));
}

TEST_CASE("few_shot: separated classes, seeding, episode independence") {
  // 8 classes of 20 samples on well separated centres: every query is right.
  Generator gen(3);
  Tensor x = randn({160, 4}, gen, kFloat32, 0.0, 0.1);
  Tensor y({160}, kInt64);
  for (std::int64_t i = 0; i < 160; ++i) {
    y.data<std::int64_t>()[i] = i / 20;
    x.data<float>()[i * 4 + (i / 20) % 4] += 5.0f * static_cast<float>(1 + i / 80);
  }
  FewShotResult r = few_shot_eval(x, y, {.n_way = 5, .k_shot = 5, .n_query = 10, .episodes = 50});
  CHECK(r.mean_accuracy == 1.0);
  CHECK(r.ci95 == 0.0);

  // Noisy version: results depend on the seed only, not on threads or on later episodes.
  Tensor noisy = randn({160, 4}, gen, kFloat32, 0.0, 3.0);
  const FewShotOptions o{.n_way = 3, .k_shot = 1, .n_query = 5, .episodes = 40, .seed = 9};
  const FewShotResult a = few_shot_eval(noisy, y, o);
  const int threads = get_num_threads();
  set_num_threads(1);
  const FewShotResult b = few_shot_eval(noisy, y, o);
  set_num_threads(threads);
  CHECK(a.accuracies == b.accuracies);
  FewShotOptions shorter = o;
  shorter.episodes = 10;
  const FewShotResult c = few_shot_eval(noisy, y, shorter);
  CHECK(std::vector<double>(a.accuracies.begin(), a.accuracies.begin() + 10) == c.accuracies);
  FewShotOptions other = o;
  other.seed = 10;
  CHECK(few_shot_eval(noisy, y, other).accuracies != a.accuracies);
}

TEST_CASE("few_shot: errors name the function and the values") {
  const Tensor x = tensor({{0}, {1}, {2}, {3}});
  const Tensor y = ints({0, 0, 1, 2});
  CHECK_THROWS_WITH_AS(few_shot_eval(x, y, {.n_way = 2, .k_shot = 1, .n_query = 1}),
                       doctest::Contains("few_shot_eval: 2-way episodes need 2 classes with at "
                                         "least k_shot + n_query = 2 samples, but only 1 of 3"),
                       Error);
  CHECK_THROWS_WITH_AS(few_shot_eval(x, y, {.n_way = 0}),
                       doctest::Contains("must be >= 1, got 0, 1, 15, 600"), Error);
  CHECK_THROWS_WITH_AS(few_shot_eval(x, ints({0, 1})),
                       doctest::Contains("4 rows of embeddings but 2 labels"), Error);
  CHECK_THROWS_WITH_AS(few_shot_eval(tensor({{0}, {NAN}}), ints({0, 1})),
                       doctest::Contains("embeddings[1, 0] is nan"), Error);
  CHECK_THROWS_WITH_AS(prototype_classify(x, y, tensor({{0, 1}})),
                       doctest::Contains("prototype_classify: queries [1,2] and support [4,1]"),
                       Error);
}
