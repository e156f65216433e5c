#include <doctest/doctest.h>

#include <cmath>

#include "losses/imbalance.h"
#include "tensor/error.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Tensor doubles(std::vector<double> v) { return from_vector(v); }

TEST_CASE("class_weights: class_counts") {
  const Tensor counts = class_counts(from_vector(std::vector<std::int64_t>{0, 1, 1, 2, 2, 2}), 4);
  CHECK(counts.dtype() == kInt64);
  CHECK(counts.values<std::int64_t>() == std::vector<std::int64_t>{1, 2, 3, 0});
  CHECK_THROWS_WITH_AS(class_counts(from_vector(std::vector<std::int64_t>{0, 4}), 4),
                       doctest::Contains("class_counts: label 4 at position 1 is out of range"),
                       Error);
}

TEST_CASE("class_weights: inverse frequency is scikit-learn's 'balanced'") {
  // n = 6, C = 3: w_c = 6 / (3 n_c); sum_c n_c w_c = n.
  const Tensor w = inverse_frequency_weights(from_vector(std::vector<std::int64_t>{1, 2, 3}));
  CHECK(w.dtype() == kFloat32);
  CHECK_TENSOR_CLOSE(w, from_vector(std::vector<float>{2.0f, 1.0f, 2.0f / 3}));
  CHECK(inverse_frequency_weights(doubles({1, 2, 3}), kFloat64).dtype() == kFloat64);
}

TEST_CASE("class_weights: inverse square root frequency keeps the mean sample weight 1") {
  // counts [1, 4]: n = 5, sum sqrt = 3, w = [5/3, 5/6]; 1 * 5/3 + 4 * 5/6 = 5.
  CHECK_TENSOR_CLOSE(inverse_sqrt_frequency_weights(doubles({1, 4}), kFloat64),
                     doubles({5.0 / 3, 5.0 / 6}), 1e-14);
}

TEST_CASE("class_weights: effective number weights sum to C") {
  // beta 1/2, counts [1, 2]: (1/2)/(1/2) = 1, (1/2)/(3/4) = 2/3; normalised to sum 2: 6/5, 4/5.
  CHECK_TENSOR_CLOSE(effective_number_weights(doubles({1, 2}), 0.5, kFloat64), doubles({1.2, 0.8}),
                     1e-14);
  // beta = 0: no re-weighting.
  CHECK_TENSOR_CLOSE(effective_number_weights(doubles({1, 1000}), 0.0, kFloat64), doubles({1, 1}),
                     1e-14);
  // beta -> 1: inverse frequency (ratio 10 for counts 1 and 10).
  const std::vector<double> w = effective_number_weights(std::vector<double>{1, 10}, 1 - 1e-9);
  CHECK(w[0] / w[1] == doctest::Approx(10.0).epsilon(1e-6));
  CHECK(w[0] + w[1] == doctest::Approx(2.0));
}

TEST_CASE("class_weights: errors") {
  CHECK_THROWS_WITH_AS(inverse_frequency_weights(doubles({3, 0})),
                       doctest::Contains("inverse_frequency_weights: class 1 has count 0"), Error);
  CHECK_THROWS_WITH_AS(inverse_sqrt_frequency_weights(Tensor()),
                       doctest::Contains("inverse_sqrt_frequency_weights: counts must be"), Error);
  CHECK_THROWS_WITH_AS(effective_number_weights(doubles({3, 1}), 1.0),
                       doctest::Contains("effective_number_weights: beta must be in [0, 1)"),
                       Error);
  CHECK_THROWS_WITH_AS(effective_number_weights(std::vector<double>{}, 0.9),
                       doctest::Contains("effective_number_weights: counts must be a non-empty"),
                       Error);
}

}  // namespace
}  // namespace minidl::losses
