#include "data/impute.h"

#include <doctest/doctest.h>

#include <cmath>

#include "data/csv.h"
#include "tensor/error.h"
#include "tests/test_util.h"

using namespace minidl;
using namespace minidl::data;

namespace {

constexpr double kNaN = NAN;

// Column 0: 1, NaN, 3, 10 (mean 14/3, median 3); column 1: 4, 2, NaN, NaN (mean and median 3);
// column 2: no missing value, 5, 1, 2, 8 (mean 4, median 3.5).
Tensor train_x() {
  return from_vector(std::vector<double>{1, 4, 5, kNaN, 2, 1, 3, kNaN, 2, 10, kNaN, 8}, {4, 3});
}

}  // namespace

TEST_CASE("impute: mean and median per column by hand, NaN only replaced") {
  SimpleImputer mean_imp(ImputeStrategy::kMean);
  mean_imp.fit(train_x());
  REQUIRE(mean_imp.statistics().size() == 3);
  CHECK(mean_imp.statistics()[0] == doctest::Approx(14.0 / 3));
  CHECK(mean_imp.statistics()[1] == doctest::Approx(3.0));
  CHECK(mean_imp.statistics()[2] == doctest::Approx(4.0));
  CHECK_TENSOR_CLOSE(
      mean_imp.transform(train_x()),
      from_vector(std::vector<double>{1, 4, 5, 14.0 / 3, 2, 1, 3, 3, 2, 10, 3, 8}, {4, 3}));
  SimpleImputer median_imp(ImputeStrategy::kMedian);
  CHECK_TENSOR_CLOSE(median_imp.fit_transform(train_x()),
                     from_vector(std::vector<double>{1, 4, 5, 3, 2, 1, 3, 3, 2, 10, 3, 8}, {4, 3}));
  CHECK(median_imp.statistics()[2] == doctest::Approx(3.5));  // even count: mean of 2 and 5
  CHECK(count_missing(train_x()) == 3);
  CHECK(count_missing(median_imp.transform(train_x())) == 0);
}

TEST_CASE("impute: other splits are filled with the training statistics, dtype kept") {
  SimpleImputer imp(ImputeStrategy::kMedian);
  imp.fit(train_x());
  // The test split's own medians (100, 50, 0) must not be used: that would leak it.
  const Tensor test =
      from_vector(std::vector<float>{kNaN, kNaN, kNaN, 100, 50, 0, 100, 50, 0}, {3, 3});
  const Tensor filled = imp.transform(test);
  CHECK(filled.dtype() == kFloat32);
  CHECK_TENSOR_CLOSE(filled,
                     from_vector(std::vector<float>{3, 3, 3.5, 100, 50, 0, 100, 50, 0}, {3, 3}));
  CHECK(count_missing(test) == 3);  // the input is left as it was
}

TEST_CASE("impute: a CSV with missing fields, read with allow_missing, then imputed") {
  const CsvTable t = parse_csv("a,b,label\n1,NA,0\n,4,1\n3,6,0\n5,?,1\n",
                               {.dtype = kFloat64, .allow_missing = true});
  CHECK(count_missing(t.features) == 3);
  const Tensor filled = SimpleImputer(ImputeStrategy::kMean).fit_transform(t.features);
  CHECK_TENSOR_CLOSE(filled, from_vector(std::vector<double>{1, 5, 3, 4, 3, 6, 5, 5}, {4, 2}));
}

TEST_CASE("impute: errors name the imputer and the values") {
  SimpleImputer imp;
  CHECK_THROWS_WITH_AS(imp.transform(train_x()), doctest::Contains("not fitted"), Error);
  const Tensor empty_column = from_vector(std::vector<double>{1, kNaN, 2, kNaN}, {2, 2});
  CHECK_THROWS_WITH_AS(imp.fit(empty_column),
                       doctest::Contains("SimpleImputer::fit: column 1 has no value (all 2 rows "
                                         "are NaN)"),
                       Error);
  CHECK_FALSE(imp.fitted());
  const Tensor inf = from_vector(std::vector<double>{1, INFINITY, 2, 3}, {2, 2});
  CHECK_THROWS_WITH_AS(imp.fit(inf), doctest::Contains("holds inf at row 0, column 1"), Error);
  imp.fit(train_x());
  CHECK_THROWS_WITH_AS(imp.transform(from_vector(std::vector<double>{1, 2}, {1, 2})),
                       doctest::Contains("x has 2 columns, the imputer was fitted on 3"), Error);
  CHECK_THROWS_WITH_AS(imp.fit(from_vector(std::vector<double>{1, 2})),
                       doctest::Contains("x must be [N, D], got [2]"), Error);
  CHECK_THROWS_WITH_AS(imp.fit(zeros({2, 2}, kInt64)),
                       doctest::Contains("x must be float32 or float64, got int64"), Error);
}
