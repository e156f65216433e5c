// SpectralNorm: PyTorch's state_dict names, the power iteration reaching the largest singular
// value, eval mode leaving u and v alone, gradcheck of the wrapped layer, dim 1 for
// ConvTranspose2d, a PyTorch fixture of SGD steps (tests/fixtures/gan_layers.json, written by
// tests/fixtures/make_gan_layer_fixtures.py), errors. One-pass PyTorch values (Linear, Conv2d,
// ConvTranspose2d) are in nn/torch_reference_test.cpp.
#include "nn/spectral_norm.h"

#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograd/functional.h"
#include "autograd/tape.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/conv_transpose2d.h"
#include "nn/gradcheck_module.h"
#include "nn/linear.h"
#include "nn/sequential.h"
#include "tensor/ops.h"
#include "tests/test_util.h"

namespace minidl::nn {
namespace {

using nlohmann::json;

TEST_CASE("spectral norm: PyTorch's names, alone and inside a Sequential") {
  Generator gen(1);
  SpectralNorm sn(std::make_shared<Linear>(5, 3, gen), gen);
  auto p = sn.named_parameters();
  REQUIRE(p.size() == 2);
  CHECK(p[0].first == "bias");
  CHECK(p[1].first == "weight_orig");
  CHECK(p[1].second.shape() == Shape{3, 5});
  auto b = sn.named_buffers();
  REQUIRE(b.size() == 2);
  CHECK(b[0].first == "weight_u");
  CHECK(b[0].second.shape() == Shape{3});
  CHECK(b[1].first == "weight_v");
  CHECK(b[1].second.shape() == Shape{5});
  CHECK(norm(sn.u()).item() == doctest::Approx(1.0));
  CHECK(norm(sn.v()).item() == doctest::Approx(1.0));
  Sequential seq(std::make_shared<SpectralNorm>(std::make_shared<Linear>(2, 4, gen), gen),
                 std::make_shared<SpectralNorm>(std::make_shared<Linear>(4, 1, gen), gen));
  const StateDict state = seq.state_dict();
  for (const char* name : {"0.bias", "0.weight_orig", "0.weight_u", "0.weight_v", "1.bias",
                           "1.weight_orig", "1.weight_u", "1.weight_v"})
    CHECK_MESSAGE(state.count(name) == 1, name);
  CHECK(state.size() == 8);
}

TEST_CASE("spectral norm: summary shows the wrapper as one layer with its parameters") {
  Generator gen(6);
  Sequential d(std::make_shared<SpectralNorm>(std::make_shared<Linear>(2, 8, gen), gen),
               std::make_shared<SpectralNorm>(std::make_shared<Linear>(8, 1, gen), gen));
  const std::string s = d.summary({4, 2});
  CHECK_MESSAGE(s.find("0 (SpectralNorm)") != std::string::npos, s);
  CHECK_MESSAGE(s.find("[4, 8]") != std::string::npos, s);
  CHECK_MESSAGE(s.find("Total params: 33") != std::string::npos, s);
  // u and v are buffers: 8 + 2 and 1 + 8 values.
  CHECK_MESSAGE(s.find("Buffers: 19 values") != std::string::npos, s);
}

TEST_CASE("spectral norm: training forwards converge to sigma_max; eval leaves u and v") {
  Generator gen(2);
  // Orthogonal rows of norms 3, 2 and 1: the singular values are exactly 3, 2, 1.
  auto fc = std::make_shared<Linear>(5, 3, gen);
  SpectralNorm sn(fc, gen);
  sn.weight_orig().value().copy_(
      tensor({{1.8, 2.4, 0.0, 0.0, 0.0}, {-1.6, 1.2, 0.0, 0.0, 0.0}, {0.0, 0.0, 0.0, 0.6, 0.8}}));
  Variable x(randn({4, 5}, gen));
  const Tensor u0 = sn.u().clone();
  sn(x);  // one training forward moves the random start
  CHECK_FALSE(testing::bitwise_equal(sn.u(), u0));
  for (int i = 0; i < 60; ++i) sn(x);
  CHECK(sn.sigma().value().item() == doctest::Approx(3.0).epsilon(1e-5));
  // In eval mode u and v stay, and the layer computes x (W / sigma)^T + b.
  sn.eval();
  const Tensor u = sn.u().clone(), v = sn.v().clone();
  Tensor y = sn(x).value();
  CHECK(testing::bitwise_equal(sn.u(), u));
  CHECK(testing::bitwise_equal(sn.v(), v));
  const double sigma = sn.sigma().value().item();
  Tensor want =
      add(div(matmul(x.value(), sn.weight_orig().value(), false, true), sigma), fc->bias().value());
  CHECK_TENSOR_CLOSE(y, want, 1e-5, 1e-6);
  // A Conv2d likewise runs with W / sigma: its output minus the bias is the plain one's / sigma.
  auto conv = std::make_shared<Conv2d>(3, 6, 3, gen);
  SpectralNorm sc(conv, gen);
  Variable img(randn({2, 3, 5, 5}, gen));
  for (int i = 0; i < 3; ++i) sc(img);
  sc.eval();
  Tensor yc = sc(img).value();
  Conv2d plain(3, 6, 3, gen);
  plain.load_state_dict({{"weight", sc.weight_orig().value()}, {"bias", conv->bias().value()}});
  Tensor bias = conv->bias().value().reshape({1, 6, 1, 1});
  CHECK_TENSOR_CLOSE(sub(yc, bias), div(sub(plain(img).value(), bias), sc.sigma().value().item()),
                     1e-4, 1e-6);
}

TEST_CASE("spectral norm: gradcheck of the wrapped layer (eval mode: u and v fixed)") {
  Generator gen(3);
  SpectralNorm lin(std::make_shared<Linear>(4, 3, gen), gen);
  SpectralNorm convt(
      std::make_shared<ConvTranspose2d>(2, 3, 3, gen, ConvTranspose2dOptions{.stride = 2}), gen);
  lin.to(kFloat64);
  convt.to(kFloat64);
  for (int i = 0; i < 3; ++i) lin(Variable(randn({2, 4}, gen, kFloat64)));
  lin.eval();
  convt.eval();
  GradcheckResult g = gradcheck_module(lin, Variable(randn({2, 4}, gen, kFloat64), true));
  CHECK_MESSAGE(g.ok, g.message);
  g = gradcheck_module(convt, Variable(randn({1, 2, 2, 3}, gen, kFloat64), true));
  CHECK_MESSAGE(g.ok, g.message);
  // And the layer still runs after the check rebound and restored its parameters.
  lin.train();
  CHECK(lin(Variable(randn({2, 4}, gen, kFloat64))).shape() == Shape{2, 3});
}

TEST_CASE("spectral norm: dim 1 for ConvTranspose2d, whose rows are the output channels") {
  Generator gen(4);
  SpectralNorm sn(std::make_shared<ConvTranspose2d>(8, 4, 4, gen), gen);
  CHECK(sn.u().shape() == Shape{4});
  CHECK(sn.v().shape() == Shape{8 * 16});
  SpectralNorm forced(std::make_shared<ConvTranspose2d>(8, 4, 4, gen), gen, {.dim = 0});
  CHECK(forced.u().shape() == Shape{8});
}

TEST_CASE("spectral norm: SGD steps match PyTorch (outputs, u, v, weight_orig, eval output)") {
  std::ifstream file(std::string(MINIDL_FIXTURE_DIR) + "/gan_layers.json");
  REQUIRE_MESSAGE(file.good(), "missing tests/fixtures/gan_layers.json");
  const json c = json::parse(file).at("spectral_norm_steps");
  auto decode = [](const json& j) {
    return from_vector(j.at("data").get<std::vector<double>>(), j.at("shape").get<Shape>());
  };
  auto decode_state = [&](const json& j) {
    StateDict s;
    for (auto it = j.begin(); it != j.end(); ++it) s[it.key()] = decode(it.value());
    return s;
  };
  Generator gen(0);
  SpectralNorm sn(std::make_shared<Linear>(c.at("in_features").get<std::int64_t>(),
                                           c.at("out_features").get<std::int64_t>(), gen),
                  gen);
  sn.to(kFloat64);
  sn.load_state_dict(decode_state(c.at("state")));
  const double lr = c.at("lr").get<double>();
  const json& steps = c.at("steps");
  REQUIRE(steps.size() == 3);
  for (std::size_t k = 0; k < steps.size(); ++k) {
    CAPTURE(k);
    sn.zero_grad();
    Variable out = sn(Variable(decode(c.at("inputs").at(k))));
    CHECK_TENSOR_CLOSE(out.value(), decode(steps[k].at("output")), 1e-10, 1e-12);
    Variable loss = sum(mul(out, Variable(decode(c.at("weights").at(k)))));
    CHECK(loss.value().item() == doctest::Approx(steps[k].at("loss").get<double>()).epsilon(1e-10));
    backward(loss);
    for (auto& [name, p] : sn.named_parameters())
      p.value().copy_(sub(p.value(), mul(p.grad().value(), lr)));
    const StateDict want = decode_state(steps[k].at("state_after"));
    const StateDict got = sn.state_dict();
    REQUIRE(got.size() == want.size());
    for (const auto& [name, t] : want) {
      CAPTURE(name);
      CHECK_TENSOR_CLOSE(got.at(name), t, 1e-10, 1e-12);
    }
  }
  sn.eval();
  NoGradGuard no_grad;
  CHECK_TENSOR_CLOSE(sn(Variable(decode(c.at("inputs").at(0)))).value(),
                     decode(c.at("eval_output")), 1e-10, 1e-12);
}

TEST_CASE("spectral norm: errors name the wrapper and the values") {
  Generator gen(5);
  CHECK_THROWS_WITH_AS(SpectralNorm(std::make_shared<BatchNorm1d>(3), gen),
                       doctest::Contains("SpectralNorm: wraps a single layer holding parameters "
                                         "only (Linear, Conv2d, ConvTranspose2d), got "
                                         "BatchNorm1d"),
                       Error);
  CHECK_THROWS_WITH_AS(SpectralNorm(std::make_shared<Linear>(2, 2, gen), gen, {.name = "kernel"}),
                       doctest::Contains("kernel"), Error);
  CHECK_THROWS_WITH_AS(SpectralNorm(std::make_shared<Linear>(2, 2, gen), gen, {.dim = 2}),
                       "SpectralNorm: dim 2 out of range for weight [2,2]", Error);
  CHECK_THROWS_WITH_AS(
      SpectralNorm(std::make_shared<Linear>(2, 2, gen), gen, {.n_power_iterations = 0}),
      "SpectralNorm: n_power_iterations must be >= 1, got 0", Error);
}

}  // namespace
}  // namespace minidl::nn
