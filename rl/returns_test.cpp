// Returns, GAE and normalisation against values worked by hand.
#include "rl/returns.h"

#include <doctest/doctest.h>

#include <cmath>

#include "tensor/error.h"
#include "tensor/random.h"
#include "tests/test_util.h"

namespace minidl::rl {
namespace {

Tensor t1(std::vector<double> v) { return from_vector(v); }
Tensor t2(std::vector<double> v, std::int64_t t, std::int64_t n) { return from_vector(v, {t, n}); }

}  // namespace

TEST_CASE("returns: discounted reward-to-go restarts at episode boundaries") {
  // r = 1 1 1 1, done after step 1, gamma 0.5, V(s_4) = 2:
  //   R3 = 1 + 0.5 * 2 = 2, R2 = 1 + 0.5 * 2 = 2, R1 = 1 (done), R0 = 1 + 0.5 * 1 = 1.5
  CHECK_TENSOR_CLOSE(discounted_returns(t1({1, 1, 1, 1}), t1({0, 1, 0, 0}), 0.5,
                                        scalar_tensor(2.0, kFloat64).reshape({1})),
                     t1({1.5, 1, 2, 2}), 1e-15, 0);
  // [T, N] = [2, 2], gamma 0.9, no bootstrap: column 0: R1 = 3, R0 = 1 + 2.7 = 3.7;
  // column 1 ends after step 1: R1 = 4, R0 = 2 + 3.6 = 5.6.
  CHECK_TENSOR_CLOSE(discounted_returns(t2({1, 2, 3, 4}, 2, 2), t2({0, 0, 0, 1}, 2, 2), 0.9),
                     t2({3.7, 5.6, 3, 4}, 2, 2), 1e-15, 0);
  // A whole CartPole episode of 3 steps with gamma 0.99: 1 + .99 + .9801, 1.99, 1.
  CHECK_TENSOR_CLOSE(discounted_returns(t1({1, 1, 1}), t1({0, 0, 1}), 0.99), t1({2.9701, 1.99, 1}),
                     1e-15, 0);
  CHECK_THROWS_WITH_AS(discounted_returns(t1({1, 1}), t1({0}), 0.9),
                       doctest::Contains("dones must be shaped like the rewards"), Error);
  CHECK_THROWS_WITH_AS(discounted_returns(t1({1}), t1({0}), 1.5),
                       doctest::Contains("gamma must be in [0, 1], got 1.5"), Error);
}

TEST_CASE("returns: GAE by hand, terminated stops the bootstrap, truncated bootstraps") {
  // gamma 0.9, lambda 0.8 (gamma lambda = 0.72), r = 1 2 3, V = 0.5 1 1.5, V(s_3) = 2:
  //   d2 = 3 + 0.9 * 2 - 1.5 = 3.3               A2 = 3.3
  //   d1 = 2 + 0.9 * 1.5 - 1 = 2.35              A1 = 2.35 + 0.72 * 3.3 = 4.726
  //   d0 = 1 + 0.9 * 1 - 0.5 = 1.4               A0 = 1.4 + 0.72 * 4.726 = 4.80272
  GaeInputs in{.rewards = t1({1, 2, 3}),
               .values = t1({0.5, 1, 1.5}),
               .terminated = t1({0, 0, 0}),
               .last_value = t1({2})};
  GaeResult g = gae(in, 0.9, 0.8);
  CHECK_TENSOR_CLOSE(g.advantages, t1({4.80272, 4.726, 3.3}), 1e-14, 0);
  CHECK_TENSOR_CLOSE(g.returns, t1({5.30272, 5.726, 4.8}), 1e-14, 0);
  // Terminated after step 1: d1 = 2 - 1 = 1, A1 = 1; A0 = 1.4 + 0.72 * 1 = 2.12.
  in.terminated = t1({0, 1, 0});
  CHECK_TENSOR_CLOSE(gae(in, 0.9, 0.8).advantages, t1({2.12, 1, 3.3}), 1e-14, 0);
  // Truncated after step 1 with V(final obs) = 4: d1 = 2 + 0.9 * 4 - 1 = 4.6, A1 = 4.6 (the
  // trace is still cut); A0 = 1.4 + 0.72 * 4.6 = 4.712.
  in.terminated = t1({0, 0, 0});
  in.truncated = t1({0, 1, 0});
  in.next_values = t1({0, 4, 0});
  CHECK_TENSOR_CLOSE(gae(in, 0.9, 0.8).advantages, t1({4.712, 4.6, 3.3}), 1e-14, 0);
  in.next_values = Tensor();
  CHECK_THROWS_WITH_AS(gae(in, 0.9, 0.8), doctest::Contains("next_values (needed where truncated)"),
                       Error);
}

TEST_CASE(
    "returns: GAE agrees with CleanRL's loop without truncation, and lambda 1 gives returns") {
  // CleanRL's ppo.py keeps dones[t] = "obs t starts a new episode", so its nonterminal for step t
  // is 1 - dones[t + 1] (next_done after the last step): our terminated[t] = its dones[t + 1].
  const std::int64_t T = 7, N = 3;
  Generator gen(5);
  const Tensor r = randn({T, N}, gen, kFloat64), v = randn({T, N}, gen, kFloat64);
  const Tensor term = bernoulli({T, N}, 0.25, gen, kFloat64);
  const Tensor last = randn({N}, gen, kFloat64);
  const double gamma = 0.99, lambda = 0.95;
  std::vector<double> adv(T * N), last_gae(N, 0.0);
  for (std::int64_t t = T - 1; t >= 0; --t) {
    for (std::int64_t j = 0; j < N; ++j) {
      const double nonterminal = 1.0 - term.at(t * N + j);  // 1 - dones[t + 1]
      const double next_values = t == T - 1 ? last.at(j) : v.at((t + 1) * N + j);
      const double delta = r.at(t * N + j) + gamma * next_values * nonterminal - v.at(t * N + j);
      last_gae[j] = delta + gamma * lambda * nonterminal * last_gae[j];
      adv[t * N + j] = last_gae[j];
    }
  }
  const GaeResult g =
      gae({.rewards = r, .values = v, .terminated = term, .last_value = last}, gamma, lambda);
  CHECK_TENSOR_CLOSE(g.advantages, from_vector(adv, {T, N}), 1e-13, 1e-13);
  // lambda = 1: A + V is the discounted return bootstrapped with V(s_T).
  const GaeResult g1 =
      gae({.rewards = r, .values = v, .terminated = term, .last_value = last}, gamma, 1.0);
  CHECK_TENSOR_CLOSE(g1.returns, discounted_returns(r, term, gamma, last), 1e-12, 1e-12);
}

TEST_CASE("returns: normalisation by mean and unbiased std plus eps") {
  // 1 2 3 4: mean 2.5, std = sqrt(5/3) = 1.2909944487.
  const double sd = std::sqrt(5.0 / 3.0);
  CHECK_TENSOR_CLOSE(normalize(t1({1, 2, 3, 4}), 0.0),
                     t1({-1.5 / sd, -0.5 / sd, 0.5 / sd, 1.5 / sd}), 1e-15, 0);
  const double eps = 1.1920928955078125e-07;  // float32 epsilon, as pytorch/examples' reinforce.py
  CHECK(normalize(t1({1, 2, 3, 4}), eps).at(3) == doctest::Approx(1.5 / (sd + eps)).epsilon(1e-15));
  // One value, or all equal: zeros (no NaN).
  CHECK(normalize(t1({3}), 0.0).at(0) == 0.0);
  CHECK(normalize(t1({2, 2}), 1e-8).at(1) == 0.0);
  CHECK_THROWS_WITH_AS(normalize(Tensor({0}, kFloat64)), doctest::Contains("non-empty"), Error);
}

}  // namespace minidl::rl
