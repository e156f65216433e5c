#include <doctest/doctest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/policy_gradient.h"
#include "tensor/error.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }
Variable ints(std::vector<std::int64_t> v) { return Variable(from_vector(v)); }

TEST_CASE("reinforce_loss: known value and gradient by hand") {
  // Two actions, logits (0, log 3): p = (1/4, 3/4). Row 0 took action 1 with A = 2, row 1 took
  // action 0 with A = -1:  L = -(2 log 3/4 + (-1) log 1/4) / 2 = -(log 3/4) + (log 1/4) / 2.
  const double l3 = std::log(3.0);
  const Variable logits = leaf({0, l3, 0, l3}, {2, 2});
  const Variable adv = leaf({2, -1}, {2});
  Variable loss = reinforce_loss(logits, ints({1, 0}), adv);
  CHECK(loss.item() == doctest::Approx(-std::log(0.75) + std::log(0.25) / 2).epsilon(1e-14));
  // dL/dlogits_ia = -(A_i / N)([a = a_i] - p_ia): row 0: -(1)(-1/4, 1/4); row 1: (1/2)(3/4, -3/4)
  backward(loss);
  CHECK_TENSOR_CLOSE(logits.grad().value(),
                     from_vector(std::vector<double>{0.25, -0.25, 0.375, -0.375}, {2, 2}), 1e-14);
  // The advantages are constants: no gradient flows to them.
  CHECK((!adv.grad().defined() || adv.grad().value().to_vector() == std::vector<double>{0, 0}));
  // Entropy bonus: H = -(1/4 log 1/4 + 3/4 log 3/4) per row; c = 0.5 lowers L by 0.5 H.
  const double h = -(0.25 * std::log(0.25) + 0.75 * std::log(0.75));
  CHECK(reinforce_loss(logits, ints({1, 0}), adv, {.entropy_coef = 0.5}).item() ==
        doctest::Approx(loss.item() - 0.5 * h).epsilon(1e-14));
}

TEST_CASE("reinforce_loss: gradcheck for the logits, with and without the entropy bonus") {
  for (double c : {0.0, 0.1}) {
    const Variable logits = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4, 1.1, 0.0, -2.0}, {3, 3});
    const Variable adv = leaf({1.5, -0.5, 0.25}, {3});
    auto f = [&](const std::vector<Variable>& v) {
      return std::vector{reinforce_loss(v[0], ints({2, 0, 1}), v[1], {.entropy_coef = c})};
    };
    CHECK(gradcheck(f, {logits, adv.detach()}));
    CHECK(gradgradcheck(f, {logits, adv.detach()}));
  }
}

TEST_CASE("reinforce_loss: matches the torch.distributions formula") {
  CHECK(testing::check_loss_fixtures("reinforce_loss") >= 4);
}

TEST_CASE("reinforce_loss: errors name the loss and the shapes") {
  const Variable logits = leaf({0, 0, 0, 0}, {2, 2}), adv = leaf({1, 1}, {2});
  CHECK_THROWS_WITH_AS(reinforce_loss(logits, ints({0, 2}), adv),
                       doctest::Contains("reinforce_loss"), Error);
  CHECK_THROWS_WITH_AS(reinforce_loss(logits, ints({0}), adv),
                       doctest::Contains("actions and advantages must be [2]"), Error);
  CHECK_THROWS_WITH_AS(reinforce_loss(leaf({0, 0}, {2}), ints({0, 1}), adv),
                       doctest::Contains("logits must be [N, A]"), Error);
  CHECK_THROWS_WITH_AS(reinforce_loss(logits, ints({0, 1}), adv, {.entropy_coef = -1}),
                       doctest::Contains("entropy_coef must be >= 0"), Error);
}

}  // namespace
}  // namespace minidl::losses
