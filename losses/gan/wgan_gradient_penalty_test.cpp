#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/gan.h"
#include "tensor/error.h"
#include "tensor/ops.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }

// A linear critic D(x) = <x, A> has gradient A at every point: GP = (||A||_F - 1)^2 whatever eps.
TEST_CASE("wgan_gradient_penalty: linear critic, the norm over every non-batch dim") {
  const Variable A = leaf({1, 2, 0, 2, 0, 0}, {1, 2, 3});  // ||A||_F = 3
  const Critic critic = [&](const Variable& x) { return sum(x * A, {1, 2}); };
  Generator gen(3);
  const Variable real(randn({4, 2, 3}, gen, kFloat64)), fake(randn({4, 2, 3}, gen, kFloat64));
  const Variable gp = wgan_gradient_penalty(critic, real, fake, gen);
  CHECK(gp.item() == doctest::Approx(4.0));  // (3 - 1)^2; per-column norms would differ
  // dGP/dA = 2 (||A|| - 1) A / ||A||: the critic's weight gets the second-order gradient.
  backward(gp);
  CHECK_TENSOR_CLOSE(A.grad().value(), mul(A.value(), 4.0 / 3.0));
}

TEST_CASE("wgan_gradient_penalty: one eps per sample, x_hat on the segment, inputs detached") {
  Tensor seen;
  const Critic critic = [&](const Variable& x) {
    seen = x.value().clone();
    return sum(square(x), {1});
  };
  Generator gen(7);
  const Variable real = leaf({0, 0, 0, 1, 1, 1, 2, 2, 2}, {3, 3});
  const Variable fake = leaf({1, 1, 1, 3, 3, 3, -2, -2, -2}, {3, 3});
  const Variable gp = wgan_gradient_penalty(critic, real, fake, gen);
  for (std::int64_t i = 0; i < 3; ++i) {
    const double r = real.value().at(i * 3 + 0), f = fake.value().at(i * 3 + 0);
    const double eps = (seen.at(i * 3 + 0) - f) / (r - f);
    CHECK(eps >= 0.0);
    CHECK(eps <= 1.0);
    for (std::int64_t j = 1; j < 3; ++j)
      CHECK(seen.at(i * 3 + j) == doctest::Approx(seen.at(i * 3 + 0)));
  }
  // Rows differ in eps (one draw per sample, not one per batch).
  CHECK((seen.at(0 * 3 + 0) - 1.0) / -1.0 != doctest::Approx((seen.at(1 * 3 + 0) - 3.0) / -2.0));
  backward(gp);  // the penalty trains the critic only: no gradient reaches the samples
  CHECK(!real.grad().defined());
  CHECK(!fake.grad().defined());
}

TEST_CASE("wgan_gradient_penalty: the probe critic's penalty, gradcheck and gradgradcheck") {
  const auto f = [](const std::vector<Variable>& v) {
    const Critic critic = [&](const Variable& x) { return probe_critic(x, v[1], v[2]); };
    return std::vector{wgan_gradient_penalty_at(critic, v[0])};
  };
  const std::vector<Variable> in = {leaf({0.3, -1.0, 0.8, 0.2, -0.5, 1.5}, {3, 2}),
                                    leaf({0.7, -0.4, 1.2, 0.1, 0.9, -1.1}, {2, 3}),
                                    leaf({1.3, -0.6, 0.5}, {3})};
  CHECK(gradcheck(f, in));
  CHECK(gradgradcheck(f, in));
}

TEST_CASE("wgan_gradient_penalty: a zero gradient gives 1 with a finite gradient") {
  const Variable W1 = leaf({0, 0}, {1, 2}), w2 = leaf({1, 1}, {2});
  const Critic critic = [&](const Variable& x) { return probe_critic(x, W1, w2); };
  const Variable gp = wgan_gradient_penalty_at(critic, leaf({0.5, -0.5}, {2, 1}));
  CHECK(gp.item() == doctest::Approx(1.0));
  backward(gp);
  CHECK(std::isfinite(W1.grad().value().at(0 * 3 + 0)));
}

TEST_CASE("wgan_gradient_penalty: errors name the penalty and the values") {
  Generator gen(0);
  const Critic critic = [](const Variable& x) { return sum(x, {1}); };
  CHECK_THROWS_WITH_AS(
      wgan_gradient_penalty(critic, leaf({1, 2}, {1, 2}), leaf({1, 2, 3}, {1, 3}), gen),
      doctest::Contains("wgan_gradient_penalty"), Error);
  CHECK_THROWS_WITH_AS(
      wgan_gradient_penalty_at([](const Variable& x) { return x; }, leaf({1, 2, 3, 4}, {2, 2})),
      doctest::Contains("wgan_gradient_penalty: the critic must return one value "
                        "per sample (2), got shape [2,2]"),
      Error);
  CHECK_THROWS_WITH_AS(wgan_gradient_penalty_at(Critic(), leaf({1, 2}, {2, 1})),
                       doctest::Contains("wgan_gradient_penalty: no critic given"), Error);
  NoGradGuard off;
  CHECK_THROWS_WITH_AS(wgan_gradient_penalty_at(critic, leaf({1, 2}, {2, 1})),
                       doctest::Contains("wgan_gradient_penalty: grad mode is off"), Error);
}

}  // namespace
}  // namespace minidl::losses
