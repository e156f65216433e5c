// LayerNorm: a value by hand, gradcheck for the input, weight and bias, names, errors. PyTorch
// reference values are in nn/torch_reference_test.cpp.
#include "nn/layernorm.h"

#include <doctest/doctest.h>

#include <cmath>

#include "nn/gradcheck_module.h"
#include "tensor/ops.h"
#include "tests/test_util.h"

namespace minidl::nn {
namespace {

TEST_CASE("layernorm: normalises each row over the last axes") {
  LayerNorm ln({4});
  ln.to(kFloat64);
  Variable y = ln(Variable(tensor({{1.0, 2.0, 3.0, 6.0}, {5.0, 5.0, 5.0, 5.0}}, kFloat64)));
  double s = std::sqrt(3.5 + 1e-5);
  CHECK_TENSOR_CLOSE(y.value(),
                     tensor({{-2 / s, -1 / s, 0.0, 3 / s}, {0.0, 0.0, 0.0, 0.0}}, kFloat64), 1e-12,
                     1e-15);
  // Train and eval modes agree (no running statistics).
  ln.eval();
  Variable z = ln(Variable(tensor({{1.0, 2.0, 3.0, 6.0}}, kFloat64)));
  CHECK_TENSOR_CLOSE(z.value(), tensor({{-2 / s, -1 / s, 0.0, 3 / s}}, kFloat64), 1e-12);
}

TEST_CASE("layernorm: gradcheck for input, weight and bias") {
  Generator gen(1);
  LayerNorm ln({3, 2});
  ln.to(kFloat64);
  ln.weight().value().copy_(add(rand({3, 2}, gen), 0.5));
  ln.bias().value().copy_(randn({3, 2}, gen));
  GradcheckResult r = gradcheck_module(ln, Variable(randn({2, 3, 2}, gen, kFloat64), true));
  CHECK_MESSAGE(r.ok, r.message);
  LayerNorm plain({5}, {.elementwise_affine = false});
  plain.to(kFloat64);
  CHECK(plain.named_parameters().empty());
  GradcheckResult rp = gradcheck_module(plain, Variable(randn({3, 5}, gen, kFloat64), true));
  CHECK_MESSAGE(rp.ok, rp.message);
}

TEST_CASE("layernorm: names and errors") {
  LayerNorm ln({8});
  auto p = ln.named_parameters();
  REQUIRE(p.size() == 2);
  CHECK(p[0].first == "weight");
  CHECK(p[1].first == "bias");
  CHECK(p[0].second.shape() == Shape{8});
  CHECK_THROWS_WITH_AS(ln(Variable(ones({2, 7}))),
                       "LayerNorm: input [2,7] does not end in normalized_shape [8]", Error);
  CHECK_THROWS_WITH_AS(LayerNorm({}), doctest::Contains("must not be empty"), Error);
}

}  // namespace
}  // namespace minidl::nn
