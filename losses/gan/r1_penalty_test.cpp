#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/gan.h"
#include "tensor/error.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }

TEST_CASE("r1_penalty: quadratic critic, known value and second-order weight gradient") {
  // D(x) = a sum x^2 per sample: grad = 2 a x, R1 = mean 4 a^2 ||x||^2, dR1/da = 8 a mean ||x||^2.
  const Variable a = leaf({0.5}, {1});
  const Critic critic = [&](const Variable& x) { return sum(square(x), {1, 2}) * a; };
  const Variable x = Variable(from_vector(std::vector<double>{1, 0, 0, 2, 1, 1, 1, 1}, {2, 2, 2}));
  const Variable r1 = r1_penalty(critic, x);
  CHECK(r1.item() == doctest::Approx((4 * 0.25 * 5 + 4 * 0.25 * 4) / 2));
  backward(r1);
  CHECK(a.grad().value().at({0}) == doctest::Approx(8 * 0.5 * 4.5));
}

TEST_CASE("r1_penalty: the probe critic's penalty, gradcheck and gradgradcheck") {
  const auto f = [](const std::vector<Variable>& v) {
    const Critic critic = [&](const Variable& x) { return probe_critic(x, v[1], v[2]); };
    return std::vector{r1_penalty(critic, v[0])};
  };
  const std::vector<Variable> in = {leaf({0.3, -1.0, 0.8, 0.2, -0.5, 1.5}, {3, 2}),
                                    leaf({0.7, -0.4, 1.2, 0.1, 0.9, -1.1}, {2, 3}),
                                    leaf({1.3, -0.6, 0.5}, {3})};
  CHECK(gradcheck(f, in));
  CHECK(gradgradcheck(f, in));
}

TEST_CASE("r1_penalty: samples that do not require grad are fine; errors name the penalty") {
  const Variable w = leaf({1.0, -2.0}, {2});
  const Critic critic = [&](const Variable& x) { return matmul(x, w); };
  // grad = w everywhere: R1 = ||w||^2 = 5.
  CHECK(r1_penalty(critic, Variable(zeros({3, 2}, kFloat64))).item() == doctest::Approx(5.0));
  CHECK_THROWS_WITH_AS(r1_penalty(critic, Variable(zeros({0, 2}, kFloat64))),
                       doctest::Contains("r1_penalty: x_real is empty"), Error);
  CHECK_THROWS_WITH_AS(r1_penalty([](const Variable& x) { return Variable(zeros({x.shape()[0]})); },
                                  Variable(zeros({2, 2}, kFloat64))),
                       doctest::Contains("r1_penalty: the critic's output does not depend"), Error);
}

}  // namespace
}  // namespace minidl::losses
