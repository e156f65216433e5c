#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/policy_gradient.h"
#include "tensor/error.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }

TEST_CASE("gaussian_reinforce_loss: known value and gradient by hand") {
  // One sample, D = 1, mu = 0, sigma = 1 (log_std 0), a = 1, A = 2:
  //   log pi = -1/2 - log(2 pi)/2;  L = -2 log pi = 1 + log(2 pi)
  //   dL/dmu = -A (a - mu) / sigma^2 = -2;  dL/dlog_std = -A ((a - mu)^2 / sigma^2 - 1) = 0
  const Variable mu = leaf({0}, {1, 1}), log_std = leaf({0}, {1});
  Variable loss =
      gaussian_reinforce_loss(mu, log_std, Variable(from_vector(std::vector<double>{1}, {1, 1})),
                              Variable(from_vector(std::vector<double>{2})));
  CHECK(loss.item() == doctest::Approx(1 + std::log(2 * std::numbers::pi)).epsilon(1e-14));
  backward(loss);
  CHECK(mu.grad().value().at(0) == doctest::Approx(-2.0).epsilon(1e-14));
  CHECK(std::abs(log_std.grad().value().at(0)) < 1e-14);
}

TEST_CASE("gaussian_reinforce_loss: gradcheck for mean and log_std, both log_std shapes") {
  const Variable mu = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4}, {3, 2});
  const Variable acts = leaf({0.5, -1.0, 1.5, 0.2, 0.0, 0.3}, {3, 2});
  const Variable adv = leaf({1.5, -0.5, 0.25}, {3});
  for (const Variable& ls :
       {leaf({-0.5, 0.2}, {2}), leaf({0.1, -0.3, 0.2, 0.0, -0.1, 0.4}, {3, 2})}) {
    for (double c : {0.0, 0.05}) {
      auto f = [&](const std::vector<Variable>& v) {
        return std::vector{
            gaussian_reinforce_loss(v[0], v[1], v[2], adv.detach(), {.entropy_coef = c})};
      };
      CHECK(gradcheck(f, {mu, ls, acts}));
      CHECK(gradgradcheck(f, {mu, ls, acts}));
    }
  }
}

TEST_CASE("gaussian_reinforce_loss: matches the torch.distributions formula") {
  CHECK(testing::check_loss_fixtures("gaussian_reinforce_loss") >= 3);
}

TEST_CASE("gaussian_reinforce_loss: errors name the loss and the shapes") {
  const Variable mu = leaf({0, 0, 0, 0}, {2, 2}), adv = leaf({1, 1}, {2});
  CHECK_THROWS_WITH_AS(gaussian_reinforce_loss(mu, leaf({0, 0, 0}, {3}), mu, adv),
                       doctest::Contains("log_std must be [2] or [2, 2]"), Error);
  CHECK_THROWS_WITH_AS(gaussian_reinforce_loss(mu, leaf({0, 0}, {2}), mu, leaf({1}, {1})),
                       doctest::Contains("advantages must be [2]"), Error);
}

}  // namespace
}  // namespace minidl::losses
