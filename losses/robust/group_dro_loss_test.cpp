#include <doctest/doctest.h>

#include <cmath>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/classification.h"
#include "losses/robust.h"
#include "tensor/error.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }
Variable ids(std::vector<std::int64_t> v) { return Variable(from_vector(v)); }

TEST_CASE("group_dro_loss: known values") {
  // Group 0: one sample with CE log 2; group 1: one with CE log(1 + e^2) (logit 2 on the wrong
  // class). eta = 0 and q uniform: the mean of the group means.
  const Variable x = leaf({0, 0, 2, 0}, {2, 2});
  const double l0 = std::log(2.0), l1 = std::log1p(std::exp(2.0));
  const GroupDroLossOptions uniform{.group_weights = {1, 1}, .step_size = 0};
  CHECK(group_dro_loss(x, ids({0, 1}), ids({0, 1}), uniform).item() ==
        doctest::Approx((l0 + l1) / 2));
  // eta = 1: q' proportional to e^{L_g}.
  const double q0 = std::exp(l0) / (std::exp(l0) + std::exp(l1));
  CHECK(group_dro_loss(x, ids({0, 1}), ids({0, 1}), {.group_weights = {1, 1}, .step_size = 1})
            .item() == doctest::Approx(q0 * l0 + (1 - q0) * l1));
  // A large step puts the weight on the worst group, without overflow.
  CHECK(group_dro_loss(x, ids({0, 1}), ids({0, 1}), {.group_weights = {1, 1}, .step_size = 1e6})
            .item() == doctest::Approx(l1));
}

TEST_CASE("group_dro_loss: gradcheck for input; for eta > 0 the step's q' is a constant") {
  const std::vector<double> xv = {0.3, -1.2, 2.0, 0.7, 0.1, -0.4, 1.1, 0.2, -0.9, 0.5, 0.5, 0.1};
  const Variable y = ids({2, 0, 1, 1}), a = ids({0, 1, 1, 0});
  // With eta = 0, q' = q does not depend on the input: an exact gradcheck.
  CHECK(gradcheck(
      [&](const auto& v) {
        return std::vector{
            group_dro_loss(v[0], y, a, {.group_weights = {0.3, 0.7}, .step_size = 0})};
      },
      {leaf(xv, {4, 3})}));
  // With eta > 0, q' moves with the input but is held constant for the gradient (as the
  // authors' code updates it under no_grad): the gradient equals that of the eta = 0 loss at
  // q', which the gradcheck above covers.
  const Variable x = leaf(xv, {4, 3});
  const Variable per = cross_entropy(x, y, {.reduction = Reduction::None});
  const std::vector<double> pv = per.value().to_vector();
  const std::vector<double> group_losses = {(pv[0] + pv[3]) / 2, (pv[1] + pv[2]) / 2};
  const std::vector<double> q = group_dro_update({0.3, 0.7}, group_losses, 2.0);
  backward(group_dro_loss(x, y, a, {.group_weights = {0.3, 0.7}, .step_size = 2.0}));
  const Variable x_fixed = leaf(xv, {4, 3});
  backward(group_dro_loss(x_fixed, y, a, {.group_weights = q, .step_size = 0}));
  CHECK_TENSOR_CLOSE(x.grad().value(), x_fixed.grad().value());
  // q' leans to the worse group.
  CHECK((group_losses[1] > group_losses[0]) == (q[1] / q[0] > 0.7 / 0.3));
}

TEST_CASE("group_dro_loss: matches Algorithm 1 in torch ops") {
  CHECK(testing::check_loss_fixtures("group_dro_loss") >= 6);
}

TEST_CASE("group_dro_loss: GroupDro carries q across steps, towards the worse group") {
  GroupDro dro(2, 0.5);
  CHECK(dro.weights() == std::vector<double>{0.5, 0.5});
  // Group 1 is always misclassified: its weight grows every step.
  const Variable x = leaf({2, 0, 2, 0}, {2, 2});
  double last = 0.5;
  for (int step = 0; step < 3; ++step) {
    const Variable loss = dro(x, ids({0, 1}), ids({0, 1}));
    CHECK(loss.item() > 0);
    CHECK(dro.weights()[1] > last);
    last = dro.weights()[1];
  }
  // The same as the functional form fed with the previous q.
  const std::vector<double> q = dro.weights();
  const double functional =
      group_dro_loss(x, ids({0, 1}), ids({0, 1}), {.group_weights = q, .step_size = 0.5}).item();
  CHECK(dro(x, ids({0, 1}), ids({0, 1})).item() == doctest::Approx(functional));
  // A group absent from the batch has L = 0 and loses weight relative to the others.
  const std::vector<double> u = group_dro_update({0.5, 0.5}, {0.0, 1.0}, 1.0);
  CHECK(u[0] == doctest::Approx(1 / (1 + std::exp(1.0))));
}

TEST_CASE("group_dro_loss: errors name the op and the values") {
  const Variable x = leaf({0.3, -1.2, 2.0, 0.7}, {2, 2});
  CHECK_THROWS_WITH_AS(group_dro_loss(x, ids({0, 1}), ids({0, 1}), {}),
                       doctest::Contains("group_dro_loss: group_weights is empty"), Error);
  CHECK_THROWS_WITH_AS(group_dro_loss(x, ids({0, 1}), ids({0, 1}), {.group_weights = {0, 0}}),
                       doctest::Contains("group_dro_loss: group_weights are all 0"), Error);
  CHECK_THROWS_WITH_AS(group_dro_loss(x, ids({0, 1}), ids({0, 1}), {.group_weights = {1, -1}}),
                       doctest::Contains("group_dro_loss: group_weights[1] is -1"), Error);
  CHECK_THROWS_WITH_AS(
      group_dro_loss(x, ids({0, 1}), ids({0, 1}), {.group_weights = {1, 1}, .step_size = -1}),
      doctest::Contains("group_dro_loss: step_size must be finite and >= 0, got -1"), Error);
  CHECK_THROWS_WITH_AS(group_dro_loss(x, ids({0, 1}), ids({0, 3}), {.group_weights = {1, 1}}),
                       doctest::Contains("group_dro_loss: group 3 at index 1 is outside [0, 2)"),
                       Error);
  CHECK_THROWS_WITH_AS(GroupDro(0), doctest::Contains("GroupDro: num_groups must be >= 1, got 0"),
                       Error);
}

}  // namespace
}  // namespace minidl::losses
