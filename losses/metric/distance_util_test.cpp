#include "losses/metric/distance_util.h"

#include <doctest/doctest.h>

#include <cmath>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "tensor/error.h"
#include "tensor/random.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }

Variable random_leaf(Shape shape, std::uint64_t seed) {
  Generator gen(seed);
  return Variable(randn(shape, gen, kFloat64), true);
}

// The naive oracle: one double loop per pair.
double naive(Distance d, const Tensor& a, std::int64_t i, const Tensor& b, std::int64_t j) {
  const std::int64_t dim = a.size(1);
  double s2 = 0, dotp = 0, na = 0, nb = 0;
  for (std::int64_t k = 0; k < dim; ++k) {
    const double x = a.at(i * dim + k), y = b.at(j * dim + k);
    s2 += (x - y) * (x - y);
    dotp += x * y;
    na += x * x;
    nb += y * y;
  }
  switch (d) {
    case Distance::kEuclidean:
      return std::sqrt(s2);
    case Distance::kSquaredEuclidean:
      return s2;
    case Distance::kCosine:
      return dotp / (std::max(std::sqrt(na), 1e-12) * std::max(std::sqrt(nb), 1e-12));
    case Distance::kDot:
      return dotp;
  }
  return 0;
}

constexpr Distance kAll[] = {Distance::kEuclidean, Distance::kSquaredEuclidean, Distance::kCosine,
                             Distance::kDot};

TEST_CASE("distance_util: matrices match the naive loops") {
  const Variable a = random_leaf({5, 7}, 1), b = random_leaf({3, 7}, 2);
  for (Distance d : kAll) {
    CAPTURE(to_string(d));
    const Tensor m = distance_matrix(d, a, b).value();
    REQUIRE(m.shape() == Shape{5, 3});
    for (std::int64_t i = 0; i < 5; ++i)
      for (std::int64_t j = 0; j < 3; ++j)
        CHECK(m.at(i * 3 + j) ==
              doctest::Approx(naive(d, a.value(), i, b.value(), j)).epsilon(1e-12));
    const Tensor self = distance_matrix(d, a).value();
    for (std::int64_t i = 0; i < 5; ++i)
      for (std::int64_t j = 0; j < 5; ++j)
        CHECK(self.at(i * 5 + j) ==
              doctest::Approx(naive(d, a.value(), i, a.value(), j)).epsilon(1e-12));
  }
}

TEST_CASE("distance_util: paired forms match the naive loops") {
  const Variable a = random_leaf({4, 6}, 3), b = random_leaf({4, 6}, 4);
  for (Distance d : kAll) {
    CAPTURE(to_string(d));
    const Tensor v = paired_distance(d, a, b).value();
    REQUIRE(v.shape() == Shape{4});
    for (std::int64_t i = 0; i < 4; ++i)
      CHECK(v.at(i) == doctest::Approx(naive(d, a.value(), i, b.value(), i)).epsilon(1e-12));
  }
}

TEST_CASE("distance_util: known values by hand") {
  const Variable a = leaf({0, 0, 3, 4}, {2, 2}), b = leaf({1, 0, 0, 0}, {2, 2});
  CHECK_TENSOR_CLOSE(euclidean(a, b).value(), from_vector(std::vector<double>{1, 5}));
  CHECK_TENSOR_CLOSE(squared_euclidean(a, b).value(), from_vector(std::vector<double>{1, 25}));
  CHECK_TENSOR_CLOSE(dot(a, b).value(), from_vector(std::vector<double>{0, 0}));
  // |(1, 2) - (4, 6) + 0.5|_p over (-2.5, -3.5): p = 1 -> 6, p = 2 -> sqrt(18.5), inf -> 3.5
  const Variable u = leaf({1, 2}, {2}), v = leaf({4, 6}, {2});
  CHECK(pairwise_distance(u, v, 1.0, 0.5).item() == doctest::Approx(6.0));
  CHECK(pairwise_distance(u, v, 2.0, 0.5).item() == doctest::Approx(std::sqrt(18.5)));
  CHECK(pairwise_distance(u, v, INFINITY, 0.5).item() == doctest::Approx(3.5));
  CHECK(pairwise_distance(u, v, 3.0, 0.5).item() ==
        doctest::Approx(std::cbrt(2.5 * 2.5 * 2.5 + 3.5 * 3.5 * 3.5)));
  CHECK(cosine_similarity(u, v).item() ==
        doctest::Approx(16.0 / (std::sqrt(5.0) * std::sqrt(52.0))));
}

TEST_CASE("distance_util: gradcheck of every matrix and paired form") {
  for (Distance d : kAll) {
    CAPTURE(to_string(d));
    CHECK(gradcheck([d](const auto& v) { return std::vector{distance_matrix(d, v[0], v[1])}; },
                    {random_leaf({4, 3}, 5), random_leaf({5, 3}, 6)}));
    CHECK(gradcheck([d](const auto& v) { return std::vector{distance_matrix(d, v[0])}; },
                    {random_leaf({5, 3}, 7)}));
    CHECK(gradcheck([d](const auto& v) { return std::vector{paired_distance(d, v[0], v[1])}; },
                    {random_leaf({4, 3}, 8), random_leaf({4, 3}, 9)}));
  }
  for (double p : {1.0, 1.5, 2.0, 3.0, double(INFINITY)}) {
    CAPTURE(p);
    CHECK(gradcheck([p](const auto& v) { return std::vector{pairwise_distance(v[0], v[1], p)}; },
                    {random_leaf({4, 3}, 10), random_leaf({4, 3}, 11)}));
  }
  CHECK(gradcheck([](const auto& v) { return std::vector{l2_normalize(v[0])}; },
                  {random_leaf({3, 4}, 12)}));
}

TEST_CASE("distance_util: identical points give distance 0 and a zero gradient, never NaN") {
  // Rows 0 and 2 are the same point; row 1 differs.
  Variable x = leaf({1, 2, 3, -1, 0, 2, 1, 2, 3}, {3, 3});
  for (Distance d : {Distance::kEuclidean, Distance::kSquaredEuclidean}) {
    CAPTURE(to_string(d));
    const Variable m = distance_matrix(d, x);
    for (std::int64_t i = 0; i < 3; ++i) CHECK(m.value().at(i * 3 + i) == 0.0);
    CHECK(m.value().at(2) == doctest::Approx(0.0).epsilon(1e-7));
    // Only the pair (0, 2) contributes: its gradient is 0 however the GEMM rounded.
    Tensor pick = zeros({3, 3}, kFloat64);
    pick.data<double>()[2] = 1.0;
    x.zero_grad();
    backward(sum(mul(m, Variable(pick))));
    for (double g : x.grad().value().to_vector()) CHECK(std::abs(g) < 1e-6);
  }
  // paired Euclidean of equal rows: exactly 0, gradient exactly 0
  const Variable a = leaf({1, 2, 3}, {1, 3}), b = leaf({1, 2, 3}, {1, 3});
  backward(sum(euclidean(a, b)));
  CHECK(euclidean(a, b).item() == 0.0);
  for (double g : a.grad().value().to_vector()) CHECK(g == 0.0);
  // safe_sqrt at 0
  const Variable z = leaf({0.0, 4.0}, {2});
  backward(sum(safe_sqrt(z)));
  CHECK_TENSOR_CLOSE(z.grad().value(), from_vector(std::vector<double>{0.0, 0.25}));
}

TEST_CASE("distance_util: l2_normalize gives unit rows and keeps a zero row zero") {
  const Variable x = leaf({3, 4, 0, 0, 1e-20, 0}, {3, 2});
  const Tensor y = l2_normalize(x).value();
  CHECK_TENSOR_CLOSE(y, from_vector(std::vector<double>{0.6, 0.8, 0, 0, 1e-8, 0}, {3, 2}));
  backward(sum(l2_normalize(x)));
  for (double g : x.grad().value().to_vector()) CHECK(std::isfinite(g));
}

TEST_CASE("distance_util: cosine_similarity reproduces PyTorch's gradient below eps") {
  // torch 1.13: a = [1e-9, 2e-9, 0] (norm below eps = 1e-8), b = [3, 1, 2];
  // F.cosine_similarity(a, b) = 0.1336..., a.grad = [78842066.3642, 24053511.7721, 53452248.3825]
  const Variable a = leaf({1e-9, 2e-9, 0}, {1, 3}), b = leaf({3, 1, 2}, {1, 3});
  const Variable c = cosine_similarity(a, b);
  CHECK(c.item() == doctest::Approx(0.1336306209562122).epsilon(1e-9));
  backward(sum(c));
  CHECK_TENSOR_CLOSE(
      a.grad().value(),
      from_vector(std::vector<double>{78842066.3642, 24053511.7721, 53452248.3825}, {1, 3}), 1e-9);
  // a zero vector: similarity 0, gradient b^ / eps, as PyTorch
  const Variable z = leaf({0, 0, 0}, {1, 3});
  const Variable cz = cosine_similarity(z, b);
  CHECK(cz.item() == 0.0);
  backward(sum(cz));
  CHECK(z.grad().value().at(0) == doctest::Approx(3 / std::sqrt(14.0) / 1e-8));
}

TEST_CASE("distance_util: errors name the function and the shapes") {
  const Variable a = random_leaf({3, 4}, 1), b = random_leaf({3, 5}, 2);
  CHECK_THROWS_WITH_AS(distance_matrix(Distance::kEuclidean, a, b),
                       doctest::Contains("squared_euclidean_matrix: embedding sizes differ"),
                       Error);
  CHECK_THROWS_WITH_AS(euclidean(a, b),
                       doctest::Contains("euclidean: shapes differ, [3,4] vs [3,5]"), Error);
  CHECK_THROWS_WITH_AS(parse_distance("manhattan", "some_loss"),
                       doctest::Contains("some_loss: distance must be"), Error);
  CHECK(parse_distance("squared_euclidean", "x") == Distance::kSquaredEuclidean);
  CHECK(is_similarity(Distance::kCosine));
  CHECK_FALSE(is_similarity(Distance::kEuclidean));
}

}  // namespace
}  // namespace minidl::losses
