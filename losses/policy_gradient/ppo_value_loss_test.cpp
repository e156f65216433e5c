#include <doctest/doctest.h>

#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/policy_gradient.h"
#include "tensor/error.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v) { return Variable(from_vector(v), true); }

TEST_CASE("ppo_value_loss: known values, clipped and not") {
  // e = 0.2, v_old = 0, R = 1:
  //   v = 0.5: unclipped 0.25, clipped (0.2 - 1)^2 = 0.64 -> 0.64 (the clipped value is worse),
  //            gradient 0 (the clip is flat there)
  //   v = 1.5: unclipped 0.25, clipped 0.64 -> 0.64, gradient 0
  //   v = 0.1: unclipped 0.81, clipped (0.1 - 1)^2 = 0.81 (inside the clip: equal) -> 0.81,
  //            gradient 0.5 * 2 (v - R) / N = -0.9 / 3
  const Variable v = leaf({0.5, 1.5, 0.1});
  Variable loss = ppo_value_loss(v, leaf({0, 0, 0}), leaf({1, 1, 1}));
  CHECK(loss.item() == doctest::Approx(0.5 * (0.64 + 0.64 + 0.81) / 3).epsilon(1e-14));
  backward(loss);
  CHECK_TENSOR_CLOSE(v.grad().value(), from_vector(std::vector<double>{0, 0, -0.3}), 1e-14, 1e-15);
  // Unclipped: 0.5 mean((v - R)^2) = 0.5 (0.25 + 0.25 + 0.81) / 3.
  CHECK(ppo_value_loss(v, leaf({0, 0, 0}), leaf({1, 1, 1}), {.clip_vloss = false}).item() ==
        doctest::Approx(0.5 * 1.31 / 3).epsilon(1e-14));
}

TEST_CASE("ppo_value_loss: gradcheck away from the clip boundaries") {
  const Variable v = leaf({0.05, -0.4, 0.3, -0.1, 0.6});
  const Variable old = leaf({0.0, 0.0, 0.0, 0.0, 0.0});
  const Variable ret = leaf({1.0, 0.5, -2.0, -1.0, 0.7});
  for (bool clip : {true, false}) {
    auto f = [&](const std::vector<Variable>& x) {
      return std::vector{ppo_value_loss(x[0], old.detach(), ret.detach(), {.clip_vloss = clip})};
    };
    CHECK(gradcheck(f, {v}));
    CHECK(gradgradcheck(f, {v}));
  }
}

TEST_CASE("ppo_value_loss: matches CleanRL's v_loss") {
  CHECK(testing::check_loss_fixtures("ppo_value_loss") >= 3);
}

TEST_CASE("ppo_value_loss: errors name the loss") {
  CHECK_THROWS_WITH_AS(ppo_value_loss(leaf({0, 0}), leaf({0, 0}), leaf({1})),
                       doctest::Contains("ppo_value_loss: returns [1] and values [2]"), Error);
}

}  // namespace
}  // namespace minidl::losses
