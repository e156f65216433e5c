// BayesLinear: the posterior mean in eval mode, weight samples in training mode, the closed-form
// KL, gradcheck through the reparameterisation for input, mu and rho, parameter names.
#include "nn/bayes_linear.h"

#include <doctest/doctest.h>

#include <cmath>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "nn/activation.h"
#include "nn/linear.h"
#include "nn/mc_predict.h"
#include "nn/sequential.h"
#include "tensor/error.h"
#include "tensor/ops.h"
#include "tensor/random.h"
#include "tests/test_util.h"

namespace minidl::nn {
namespace {

TEST_CASE("bayes_linear: parameter names and shapes, PyTorch-like repr") {
  Generator gen(0);
  BayesLinear layer(4, 3, gen);
  std::vector<std::string> names;
  for (auto& [name, p] : layer.named_parameters()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"weight_mu", "weight_rho", "bias_mu", "bias_rho"});
  CHECK(layer.parameter("weight_rho").shape() == Shape{3, 4});
  CHECK(layer.parameter("bias_rho").value().to_vector()[0] == -5.0);
  CHECK(layer.extra_repr() == "in_features=4, out_features=3, prior_sigma=1");
}

TEST_CASE("bayes_linear: eval mode is the posterior mean, training mode samples around it") {
  Generator gen(1);
  BayesLinear layer(5, 2, gen, {.rho_init = -1.0});
  const Tensor x = randn({3, 5}, gen);
  layer.eval();
  const Tensor w = layer.parameter("weight_mu").value(), b = layer.parameter("bias_mu").value();
  const Tensor expected = add(matmul(x, w, false, true), b);
  CHECK_TENSOR_CLOSE(layer(Variable(x)).value(), expected);
  layer.train();
  const Tensor y1 = layer(Variable(x)).value(), y2 = layer(Variable(x)).value();
  CHECK_FALSE(testing::bitwise_equal(y1, y2));  // a fresh weight sample per call
  // E[y] = x mu^T + b_mu: the Monte Carlo mean approaches the eval output.
  const McPrediction p = mc_predict(layer, x, {.passes = 4000});
  CHECK(amax(abs(sub(p.mean, expected.to(kFloat64)))).item() < 0.06);
  // Var[y_k] = sum_j x_j^2 sigma^2 + sigma^2, sigma = softplus(-1).
  const double s2 = std::pow(std::log1p(std::exp(-1.0)), 2);
  double v0 = s2;
  for (std::int64_t j = 0; j < 5; ++j) v0 += x.to_vector()[j] * x.to_vector()[j] * s2;
  CHECK(p.var.to_vector()[0] == doctest::Approx(v0).epsilon(0.1));
}

TEST_CASE("bayes_linear: kl is the closed-form Gaussian KL, 0 at the prior") {
  Generator gen(2);
  BayesLinear layer(3, 2, gen, {.prior_sigma = 0.5, .rho_init = -2.0});
  layer.to(kFloat64);
  double expected = 0;
  for (const char* mu_name : {"weight_mu", "bias_mu"}) {
    for (double mu : layer.parameter(mu_name).value().to_vector()) {
      const double s = std::log1p(std::exp(-2.0)), p = 0.5;
      expected += std::log(p / s) + (s * s + mu * mu) / (2 * p * p) - 0.5;
    }
  }
  CHECK(layer.kl().item() == doctest::Approx(expected).epsilon(1e-12));
  // mu = 0 and sigma = prior_sigma: q is the prior, KL = 0.
  const double rho_at_prior = std::log(std::expm1(0.5));
  for (const char* name : {"weight_mu", "bias_mu"}) layer.parameter(name).value().fill_(0.0);
  for (const char* name : {"weight_rho", "bias_rho"})
    layer.parameter(name).value().fill_(rho_at_prior);
  CHECK(std::abs(layer.kl().item()) < 1e-12);
  // bayes_kl sums the layers of a model, and is 0 for a model without one.
  Sequential model(std::make_shared<BayesLinear>(3, 4, gen), std::make_shared<ReLU>(),
                   std::make_shared<BayesLinear>(4, 2, gen));
  const double sum_kl = static_cast<const BayesLinear&>(*model.children()[0]).kl().item() +
                        static_cast<const BayesLinear&>(*model.children()[2]).kl().item();
  CHECK(bayes_kl(model).item() == doctest::Approx(sum_kl));
  Linear plain(2, 2, gen);
  CHECK(bayes_kl(plain).item() == 0.0);
}

TEST_CASE("bayes_linear: gradcheck for input, mu and rho through a fixed weight sample, and KL") {
  Generator gen(3);
  BayesLinear layer(4, 3, gen, {.prior_sigma = 0.3, .rho_init = -1.5});
  layer.to(kFloat64);
  std::vector<std::string> names;
  std::vector<Variable> inputs = {Variable(randn({2, 4}, gen, kFloat64), true)};
  for (auto& [name, p] : layer.named_parameters()) {
    names.push_back(name);
    inputs.push_back(p);
  }
  const std::uint64_t seed = layer.generator().seed();
  const auto rebind = [&](const std::vector<Variable>& xs) {
    for (std::size_t i = 0; i < names.size(); ++i) layer.set_parameter(names[i], xs[i + 1]);
    layer.generator().set_state(seed, 0);  // the same eps at every evaluation
  };
  CHECK(gradcheck(
      [&](const std::vector<Variable>& xs) {
        rebind(xs);
        return std::vector<Variable>{layer(xs[0])};
      },
      inputs));
  CHECK(gradcheck(
      [&](const std::vector<Variable>& xs) {
        rebind(xs);
        return std::vector<Variable>{layer.kl()};
      },
      inputs));
}

TEST_CASE("bayes_linear: errors name the layer and the values") {
  Generator gen(4);
  CHECK_THROWS_WITH_AS(BayesLinear(0, 3, gen), doctest::Contains("BayesLinear: in_features (0)"),
                       Error);
  CHECK_THROWS_WITH_AS(BayesLinear(2, 3, gen, {.prior_sigma = 0}),
                       doctest::Contains("BayesLinear: prior_sigma must be finite and > 0, got 0"),
                       Error);
  BayesLinear layer(2, 3, gen);
  CHECK_THROWS_WITH_AS(layer(Variable(ones({4, 5}))),
                       doctest::Contains("BayesLinear: input has 5 features but the layer "
                                         "expects 2"),
                       Error);
}

}  // namespace
}  // namespace minidl::nn
