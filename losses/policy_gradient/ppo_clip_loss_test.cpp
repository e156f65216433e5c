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

Variable leaf(std::vector<double> v) { return Variable(from_vector(v), true); }

TEST_CASE("ppo_clip_loss: known values on each side of the clip") {
  // e = 0.2, three samples:
  //   r = 1 (log ratio 0), A = 1:    max(-1, -1) = -1, gradient -A r / N = -1/3 (tie split)
  //   r = e^0.5 = 1.6487, A = 1:     max(-1.6487, -1.2) = -1.2 (clipped): gradient 0
  //   r = e^0.5, A = -1:             max(1.6487, 1.2) = 1.6487 (unclipped): -A r / N = r/3
  const Variable logp = leaf({0.0, 0.5, 0.5});
  const Variable old = leaf({0.0, 0.0, 0.0});
  const Variable adv = leaf({1.0, 1.0, -1.0});
  const double r = std::exp(0.5);
  Variable loss = ppo_clip_loss(logp, old, adv);
  CHECK(loss.item() == doctest::Approx((-1 - 1.2 + r) / 3).epsilon(1e-14));
  backward(loss);
  CHECK_TENSOR_CLOSE(logp.grad().value(), from_vector(std::vector<double>{-1.0 / 3, 0, r / 3}),
                     1e-14);
}

TEST_CASE("ppo_clip_loss: gradcheck away from the clip boundaries") {
  const Variable logp = leaf({0.05, -0.4, 0.3, -0.1, 0.6});
  const Variable old = leaf({0.0, 0.0, 0.0, 0.0, 0.0});
  const Variable adv = leaf({1.0, 0.5, -2.0, -1.0, 0.7});
  for (double e : {0.2, 0.1}) {
    auto f = [&](const std::vector<Variable>& v) {
      return std::vector{ppo_clip_loss(v[0], old.detach(), adv.detach(), {.clip_eps = e})};
    };
    CHECK(gradcheck(f, {logp}));
    CHECK(gradgradcheck(f, {logp}));
  }
}

TEST_CASE("ppo_clip_loss: matches CleanRL's pg_loss") {
  CHECK(testing::check_loss_fixtures("ppo_clip_loss") >= 2);
}

TEST_CASE("ppo_clip_loss: errors name the loss") {
  CHECK_THROWS_WITH_AS(ppo_clip_loss(leaf({0, 0}), leaf({0}), leaf({1, 1})),
                       doctest::Contains("ppo_clip_loss: old_log_probs [1] and log_probs [2]"),
                       Error);
  CHECK_THROWS_WITH_AS(ppo_clip_loss(leaf({0}), leaf({0}), leaf({1}), {.clip_eps = 1.5}),
                       doctest::Contains("clip_eps must be in [0, 1)"), Error);
}

}  // namespace
}  // namespace minidl::losses
