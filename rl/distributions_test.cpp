// Categorical and DiagGaussian: torch.distributions' values and gradients (fixture), gradchecks,
// sampling frequencies, errors.
#include "rl/distributions.h"

#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numbers>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "autograd/tape.h"
#include "tensor/error.h"
#include "tensor/ops.h"
#include "tests/test_util.h"

namespace minidl::rl {
namespace {

using nlohmann::json;

Tensor tensor_of(const json& j) {
  return from_vector(j.at("data").get<std::vector<double>>(),
                     j.at("shape").get<std::vector<std::int64_t>>());
}

Tensor vec(const json& j) { return from_vector(j.get<std::vector<double>>()); }

Variable leaf(const Tensor& t) { return Variable(t.clone(), true); }

}  // namespace

TEST_CASE("distributions: log_prob, entropy and their gradients match torch.distributions") {
  std::ifstream in(std::string(MINIDL_FIXTURE_DIR) + "/rl_distributions.json");
  REQUIRE(in.good());
  const json doc = json::parse(in);
  int n = 0;
  for (const json& c : doc.at("cases")) {
    CAPTURE(c.at("note").get<std::string>());
    ++n;
    const Tensor w1 = vec(c.at("w_log_prob")), w2 = vec(c.at("w_entropy"));
    if (c.at("kind") == "categorical") {
      Variable logits = leaf(tensor_of(c.at("logits")));
      Categorical d(logits);
      const Variable lp = d.log_prob(from_vector(c.at("actions").get<std::vector<std::int64_t>>()));
      const Variable h = d.entropy();
      CHECK_TENSOR_CLOSE(lp.value(), vec(c.at("log_prob")), 1e-10, 1e-12);
      CHECK_TENSOR_CLOSE(h.value(), vec(c.at("entropy")), 1e-10, 1e-12);
      backward(sum(lp * Variable(w1)) + sum(h * Variable(w2)));
      CHECK_TENSOR_CLOSE(logits.grad().value(), tensor_of(c.at("grad_logits")), 1e-10, 1e-12);
    } else {
      Variable mean = leaf(tensor_of(c.at("mean"))), log_std = leaf(tensor_of(c.at("log_std")));
      DiagGaussian d(mean, log_std);
      const Variable lp = d.log_prob(tensor_of(c.at("actions")));
      const Variable h = d.entropy();
      CHECK_TENSOR_CLOSE(lp.value(), vec(c.at("log_prob")), 1e-10, 1e-12);
      CHECK_TENSOR_CLOSE(h.value(), vec(c.at("entropy")), 1e-10, 1e-12);
      backward(sum(lp * Variable(w1)) + sum(h * Variable(w2)));
      CHECK_TENSOR_CLOSE(mean.grad().value(), tensor_of(c.at("grad_mean")), 1e-10, 1e-12);
      CHECK_TENSOR_CLOSE(log_std.grad().value(), tensor_of(c.at("grad_log_std")), 1e-10, 1e-12);
    }
  }
  CHECK(n == 5);
}

TEST_CASE("distributions: gradcheck of log_prob and entropy, and their second order") {
  Generator gen(3);
  const Tensor actions = from_vector(std::vector<std::int64_t>{2, 0, 1, 3});
  auto cat = [&](const std::vector<Variable>& x) {
    Categorical d(x[0]);
    return std::vector<Variable>{d.log_prob(actions), d.entropy()};
  };
  const Variable logits(randn({4, 4}, gen, kFloat64), true);
  CHECK(gradcheck(cat, {logits}));
  CHECK(gradgradcheck(cat, {logits}));

  const Tensor a = randn({5, 2}, gen, kFloat64);
  auto gauss = [&](const std::vector<Variable>& x) {
    DiagGaussian d(x[0], x[1]);
    return std::vector<Variable>{d.log_prob(a), d.entropy()};
  };
  const Variable mean(randn({5, 2}, gen, kFloat64), true);
  const Variable log_std(randn({2}, gen, kFloat64, 0.0, 0.3), true);
  CHECK(gradcheck(gauss, {mean, log_std}));
  CHECK(gradgradcheck(gauss, {mean, log_std}));
  const Variable log_std_rows(randn({5, 2}, gen, kFloat64, 0.0, 0.3), true);
  CHECK(gradcheck(gauss, {mean, log_std_rows}));
}

TEST_CASE("distributions: known values by hand") {
  // Uniform logits over 4 actions: log p = -log 4, H = log 4.
  Categorical u(Variable(zeros({1, 4}, kFloat64)));
  CHECK(u.log_prob(from_vector(std::vector<std::int64_t>{3})).item() ==
        doctest::Approx(-std::log(4.0)).epsilon(1e-15));
  CHECK(u.entropy().item() == doctest::Approx(std::log(4.0)).epsilon(1e-15));
  // N(0, 1) in two dimensions at a = (1, 0): log p = -1/2 - log(2 pi); H = 1 + log(2 pi).
  DiagGaussian g(Variable(zeros({1, 2}, kFloat64)), Variable(zeros({2}, kFloat64)));
  const double log2pi = std::log(2 * std::numbers::pi);
  CHECK(g.log_prob(from_vector(std::vector<double>{1, 0}, {1, 2})).item() ==
        doctest::Approx(-0.5 - log2pi).epsilon(1e-15));
  CHECK(g.entropy().item() == doctest::Approx(1 + log2pi).epsilon(1e-15));
  CHECK(g.mode().at(1) == 0.0);
}

TEST_CASE("distributions: samples follow the probabilities and repeat for a seed") {
  // p = softmax(log [0.2, 0.5, 0.3]) = (0.2, 0.5, 0.3); 20000 rows, frequencies within 0.015
  // (more than 4 standard errors, 0.0035).
  const std::int64_t n = 20000;
  Tensor logits({n, 3}, kFloat64);
  for (std::int64_t i = 0; i < n; ++i) {
    logits.data<double>()[i * 3] = std::log(0.2);
    logits.data<double>()[i * 3 + 1] = std::log(0.5);
    logits.data<double>()[i * 3 + 2] = std::log(0.3);
  }
  Categorical d{Variable(logits)};
  Generator g1(42), g2(42);
  const Tensor s = d.sample(g1);
  CHECK(testing::bitwise_equal(s, d.sample(g2)));
  std::vector<double> freq(3, 0.0);
  for (std::int64_t i = 0; i < n; ++i) freq[s.data<std::int64_t>()[i]] += 1.0 / n;
  CHECK(freq[0] == doctest::Approx(0.2).epsilon(0.075));
  CHECK(freq[1] == doctest::Approx(0.5).epsilon(0.03));
  CHECK(freq[2] == doctest::Approx(0.3).epsilon(0.05));
  CHECK(d.mode().data<std::int64_t>()[0] == 1);

  // Gaussian: mean 1, sigma = exp(log 2) = 2 -> sample mean ~ 1, std ~ 2.
  DiagGaussian gd(Variable(full({n, 1}, 1.0, kFloat64)),
                  Variable(full({1}, std::log(2.0), kFloat64)));
  Generator g3(7);
  const std::vector<double> x = gd.sample(g3).to_vector();
  double m = 0, ss = 0;
  for (double v : x) m += v / n;
  for (double v : x) ss += (v - m) * (v - m) / (n - 1);
  CHECK(std::abs(m - 1.0) < 0.06);  // 4 standard errors: 4 * 2 / sqrt(20000) = 0.057
  CHECK(std::sqrt(ss) == doctest::Approx(2.0).epsilon(0.03));
}

TEST_CASE("distributions: wrong shapes and actions are errors naming the distribution") {
  CHECK_THROWS_WITH_AS(Categorical(Variable(zeros({4}, kFloat64))),
                       doctest::Contains("Categorical: logits must be [N, A]"), Error);
  Categorical d(Variable(zeros({2, 3}, kFloat64)));
  CHECK_THROWS_WITH_AS(d.log_prob(from_vector(std::vector<std::int64_t>{0, 3})),
                       doctest::Contains("action 3 at row 1 is not in [0, 3)"), Error);
  CHECK_THROWS_WITH_AS(d.log_prob(from_vector(std::vector<double>{0, 1})),
                       doctest::Contains("actions must be int64 [2]"), Error);
  CHECK_THROWS_WITH_AS(
      DiagGaussian(Variable(zeros({2, 3}, kFloat64)), Variable(zeros({2}, kFloat64))),
      doctest::Contains("log_std must be [3] or [2, 3]"), Error);
}

}  // namespace minidl::rl
