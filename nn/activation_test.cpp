// Activation layers: values by hand, gradchecks, settings. PyTorch reference values for all of
// them are in nn/torch_reference_test.cpp.
#include "nn/activation.h"

#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <memory>

#include "nn/gradcheck_module.h"
#include "tensor/ops.h"
#include "tests/test_util.h"

namespace minidl::nn {
namespace {

TEST_CASE("activation: values by hand") {
  Variable x(tensor({-2.0, -0.5, 0.5, 2.0}, kFloat64));
  CHECK_TENSOR_CLOSE(ReLU()(x).value(), tensor({0, 0, 0.5, 2}, kFloat64));
  CHECK_TENSOR_CLOSE(LeakyReLU(0.1)(x).value(), tensor({-0.2, -0.05, 0.5, 2}, kFloat64));
  CHECK_TENSOR_CLOSE(ELU(2.0)(x).value(),
                     tensor({2 * std::expm1(-2.0), 2 * std::expm1(-0.5), 0.5, 2}, kFloat64));
  CHECK_TENSOR_CLOSE(GELU()(x).value().narrow_rows(3, 1),
                     tensor({2.0 * 0.5 * (1 + std::erf(2.0 / std::sqrt(2.0)))}, kFloat64));
  CHECK_TENSOR_CLOSE(Sigmoid()(x).value().narrow_rows(3, 1),
                     tensor({1 / (1 + std::exp(-2.0))}, kFloat64));
  CHECK_TENSOR_CLOSE(SiLU()(x).value().narrow_rows(0, 1),
                     tensor({-2 / (1 + std::exp(2.0))}, kFloat64));
  CHECK_TENSOR_CLOSE(Tanh()(x).value().narrow_rows(0, 1), tensor({std::tanh(-2.0)}, kFloat64));
  CHECK(testing::bitwise_equal(Identity()(x).value(), x.value()));
  Variable m(tensor({{0.0, std::log(3.0)}}, kFloat64));
  CHECK_TENSOR_CLOSE(Softmax(1)(m).value(), tensor({{0.25, 0.75}}, kFloat64));
  CHECK_TENSOR_CLOSE(LogSoftmax()(m).value(), tensor({{std::log(0.25), std::log(0.75)}}, kFloat64));
  // tanh-approximate GELU is close to the exact one.
  CHECK_TENSOR_CLOSE(GELU("tanh")(x).value(), GELU()(x).value(), 0, 1e-3);
}

TEST_CASE("activation: gradcheck for every layer") {
  Generator gen(1);
  std::vector<std::pair<const char*, std::shared_ptr<Module>>> layers = {
      {"ReLU", std::make_shared<ReLU>()},
      {"LeakyReLU", std::make_shared<LeakyReLU>(0.2)},
      {"ELU", std::make_shared<ELU>(1.5)},
      {"GELU", std::make_shared<GELU>()},
      {"GELU tanh", std::make_shared<GELU>("tanh")},
      {"SiLU", std::make_shared<SiLU>()},
      {"Sigmoid", std::make_shared<Sigmoid>()},
      {"Tanh", std::make_shared<Tanh>()},
      {"Softmax", std::make_shared<Softmax>(0)},
      {"LogSoftmax", std::make_shared<LogSoftmax>(1)},
      {"Identity", std::make_shared<Identity>()}};
  for (auto& [name, layer] : layers) {
    CAPTURE(name);
    // Away from the kinks at 0.
    Tensor x = randn({3, 4}, gen, kFloat64);
    x = add(x, mul(sign(x), 0.3));
    GradcheckResult r = gradcheck_module(*layer, Variable(x, true));
    CHECK_MESSAGE(r.ok, r.message);
    CHECK(layer->named_parameters().empty());
  }
}

TEST_CASE("activation: settings show in repr and bad ones are refused") {
  CHECK(LeakyReLU(0.2).repr() == "LeakyReLU(negative_slope=0.2)");
  CHECK(Softmax(1).repr() == "Softmax(dim=1)");
  CHECK_THROWS_WITH_AS(GELU("fast"), doctest::Contains("approximate must be"), Error);
}

}  // namespace
}  // namespace minidl::nn
