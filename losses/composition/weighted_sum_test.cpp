#include <doctest/doctest.h>

#include <cmath>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/composition.h"
#include "losses/regularization.h"
#include "tensor/error.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable scalar(double v, bool grad = true) { return Variable(scalar_tensor(v, kFloat64), grad); }

TEST_CASE("weighted_sum: known total, values and weights") {
  WeightedSum objective({{"ce", 1.0}, {"l2", 0.5}});
  const Variable total = objective({{"ce", scalar(2.0)}, {"l2", scalar(3.0)}});
  CHECK(total.item() == doctest::Approx(3.5));
  CHECK(objective.last_values().at("ce") == 2.0);
  CHECK(objective.last_values().at("l2") == 3.0);
  CHECK(objective.last_values().at("total") == doctest::Approx(3.5));
  CHECK(objective.last_weights().at("l2") == 0.5);
  CHECK(objective.step() == 1);
  CHECK(objective.names() == std::vector<std::string>{"ce", "l2"});
}

TEST_CASE("weighted_sum: terms may come in any order") {
  WeightedSum objective({{"a", 2.0}, {"b", -1.0}});
  CHECK(objective({{"b", scalar(1.0)}, {"a", scalar(4.0)}}).item() == doctest::Approx(7.0));
}

TEST_CASE("weighted_sum: gradcheck of the total through real terms") {
  const Variable w(from_vector(std::vector<double>{0.3, -1.2, 2.0, 0.7}, {2, 2}), true);
  const Variable x(from_vector(std::vector<double>{0.5, -0.1}, {2}), true);
  CHECK(gradcheck(
      [](const auto& v) {
        WeightedSum objective({{"fit", 1.0}, {"l1", 0.3}, {"l2", 0.05}});
        const Variable fit = sum(square(matmul(reshape(v[1], {1, 2}), v[0])));
        return std::vector{objective(
            {{"fit", fit}, {"l1", l1_penalty({v[0]})}, {"l2", l2_penalty({v[0], v[1]})}})};
      },
      {w, x}));
}

TEST_CASE("weighted_sum: the gradient of each term is scaled by its weight") {
  const Variable a = scalar(1.0), b = scalar(1.0);
  WeightedSum objective({{"a", 0.25}, {"b", 0.0}});
  backward(objective({{"a", square(a)}, {"b", square(b)}}));
  CHECK(a.grad().item() == doctest::Approx(0.5));
  // Weight 0: the term stays in the graph and its gradient is exactly 0, not missing.
  REQUIRE(b.grad().defined());
  CHECK(b.grad().item() == 0.0);
}

TEST_CASE("weighted_sum: set_weight and schedules change the weights over the steps") {
  WeightedSum objective;
  objective.add("ce").add("l2", linear_ramp(0.0, 1.0, 4));
  std::vector<double> l2_weights;
  for (int s = 0; s < 6; ++s) {
    CHECK(objective.weight("l2") == doctest::Approx(std::min(1.0, s / 4.0)));
    objective({{"ce", scalar(1.0)}, {"l2", scalar(2.0)}});
    l2_weights.push_back(objective.last_weights().at("l2"));
  }
  CHECK(l2_weights == std::vector<double>{0.0, 0.25, 0.5, 0.75, 1.0, 1.0});
  objective.set_weight("l2", 3.0);
  CHECK(objective({{"ce", scalar(1.0)}, {"l2", scalar(2.0)}}).item() == doctest::Approx(7.0));
  objective.set_schedule("ce", [](std::int64_t step) { return static_cast<double>(step); });
  CHECK(objective.weight("ce") == 7.0);
  objective.set_step(0);
  CHECK(objective.weight("ce") == 0.0);
  CHECK(linear_ramp(1.0, 0.0, 10, 5)(4) == 1.0);
  CHECK(linear_ramp(1.0, 0.0, 10, 5)(10) == doctest::Approx(0.5));
  CHECK(linear_ramp(1.0, 0.0, 0, 5)(5) == 0.0);
}

TEST_CASE("weighted_sum: epoch means of every term and the total") {
  WeightedSum objective({{"x", 1.0}, {"y", 2.0}});
  CHECK(objective.epoch_means().empty());
  objective({{"x", scalar(1.0)}, {"y", scalar(0.0)}});
  objective({{"x", scalar(3.0)}, {"y", scalar(1.0)}});
  const auto means = objective.end_epoch();
  CHECK(means.at("x") == doctest::Approx(2.0));
  CHECK(means.at("y") == doctest::Approx(0.5));
  CHECK(means.at("total") == doctest::Approx(3.0));  // (1 + 5) / 2
  CHECK(objective.epoch_means().empty());
  objective({{"x", scalar(5.0)}, {"y", scalar(0.0)}});
  CHECK(objective.epoch_means().at("x") == 5.0);
}

TEST_CASE("weighted_sum: float32 terms give a float32 total") {
  WeightedSum objective({{"a", 0.5}});
  const Variable t = objective({{"a", Variable(scalar_tensor(4.0, kFloat32), true)}});
  CHECK(t.dtype() == kFloat32);
  CHECK(t.item() == doctest::Approx(2.0));
}

TEST_CASE("weighted_sum: matches the reference formula") {
  CHECK(testing::check_loss_fixtures("weighted_sum") >= 4);
}

TEST_CASE("weighted_sum: errors for unknown, duplicate, missing and non-scalar terms") {
  WeightedSum objective({{"ce", 1.0}, {"l2", 1e-4}});
  const Variable one = scalar(1.0);
  CHECK_THROWS_WITH_AS(objective({{"ce", one}, {"l3", one}}),
                       doctest::Contains("weighted_sum: unknown term 'l3' (terms: ce, l2)"), Error);
  CHECK_THROWS_WITH_AS(objective({{"ce", one}, {"ce", one}}),
                       doctest::Contains("weighted_sum: term 'ce' given twice"), Error);
  CHECK_THROWS_WITH_AS(objective({{"ce", one}}),
                       doctest::Contains("weighted_sum: missing term 'l2'"), Error);
  CHECK_THROWS_WITH_AS(
      objective({{"ce", Variable(zeros({3}, kFloat64))}, {"l2", one}}),
      doctest::Contains("weighted_sum: term 'ce' must be a scalar (0-d), got shape [3]"), Error);
  CHECK_THROWS_WITH_AS(objective({{"ce", Variable(scalar_tensor(1.0, kInt64))}, {"l2", one}}),
                       doctest::Contains("weighted_sum: term 'ce' must be float32 or float64"),
                       Error);
  CHECK(objective.step() == 0);  // failed calls change nothing
  CHECK_THROWS_WITH_AS(objective.add("ce"), doctest::Contains("weighted_sum: duplicate term 'ce'"),
                       Error);
  CHECK_THROWS_WITH_AS(objective.add("total"), doctest::Contains("'total' is reserved"), Error);
  CHECK_THROWS_WITH_AS(objective.set_weight("xx", 1.0),
                       doctest::Contains("weighted_sum: unknown term 'xx'"), Error);
  CHECK_THROWS_WITH_AS(objective.set_weight("ce", NAN),
                       doctest::Contains("weight of 'ce' must be finite"), Error);
  objective.set_schedule("l2", [](std::int64_t) { return INFINITY; });
  CHECK_THROWS_WITH_AS(objective({{"ce", one}, {"l2", one}}),
                       doctest::Contains("the weight of 'l2' at step 0 is not finite"), Error);
  WeightedSum empty;
  CHECK_THROWS_WITH_AS(empty({}), doctest::Contains("weighted_sum: no terms registered"), Error);
}

}  // namespace
}  // namespace minidl::losses
