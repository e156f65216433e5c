#include <doctest/doctest.h>

#include <cmath>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "losses/classification.h"
#include "losses/robust.h"
#include "tensor/error.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }
Variable ids(std::vector<std::int64_t> v) { return Variable(from_vector(v)); }

TEST_CASE("group_reweighted_loss: known values") {
  // Two samples with CE log 2 each (equal logits); groups of 30 and 10 training samples:
  // w = 40 / (2 * 30) = 2/3 and 40 / (2 * 10) = 2.
  const Variable x = leaf({0, 0, 0, 0}, {2, 2});
  const GroupReweightedLossOptions o{.group_counts = {30, 10}};
  CHECK(group_reweighted_loss(x, ids({0, 1}), ids({0, 1}), o).item() ==
        doctest::Approx((2.0 / 3 + 2) * std::log(2.0) / 2));
  // Equal counts: plain cross-entropy.
  const Variable y = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4}, {2, 3});
  CHECK(group_reweighted_loss(y, ids({2, 0}), ids({1, 0}), {.group_counts = {5, 5}}).item() ==
        doctest::Approx(cross_entropy(y, ids({2, 0})).item()));
}

TEST_CASE("group_reweighted_loss: gradcheck for input, every reduction") {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4, 1.1, 0.2, -0.9}, {3, 3});
    CHECK(gradcheck(
        [r](const auto& v) {
          return std::vector{group_reweighted_loss(v[0], ids({2, 0, 1}), ids({0, 1, 1}),
                                                   {.group_counts = {4, 1}, .reduction = r})};
        },
        {x}));
  }
}

TEST_CASE("group_reweighted_loss: matches the formula in torch ops") {
  CHECK(testing::check_loss_fixtures("group_reweighted_loss") >= 4);
}

TEST_CASE("group_reweighted_loss: errors name the op and the values") {
  const Variable x = leaf({0.3, -1.2, 2.0, 0.7}, {2, 2});
  CHECK_THROWS_WITH_AS(group_reweighted_loss(x, ids({0, 1}), ids({0, 1}), {}),
                       doctest::Contains("group_reweighted_loss: group_counts is empty"), Error);
  CHECK_THROWS_WITH_AS(group_reweighted_loss(x, ids({0, 1}), ids({0, 1}), {.group_counts = {3, 0}}),
                       doctest::Contains("group_reweighted_loss: group_counts[1] is 0"), Error);
  CHECK_THROWS_WITH_AS(
      group_reweighted_loss(x, ids({0, 1}), ids({0, 2}), {.group_counts = {3, 1}}),
      doctest::Contains("group_reweighted_loss: group 2 at index 1 is outside [0, 2)"), Error);
  CHECK_THROWS_WITH_AS(group_reweighted_loss(x, ids({0, 1}), ids({0}), {.group_counts = {3, 1}}),
                       doctest::Contains("group_reweighted_loss: group [1] must be [2]"), Error);
}

}  // namespace
}  // namespace minidl::losses
