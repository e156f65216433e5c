// Linear: a value by hand, gradcheck for the input, weight and bias, names, default init bounds,
// errors. PyTorch reference values are in nn/torch_reference_test.cpp.
#include "nn/linear.h"

#include <doctest/doctest.h>

#include <cmath>

#include "nn/gradcheck_module.h"
#include "tensor/ops.h"
#include "tests/test_util.h"

namespace minidl::nn {
namespace {

TEST_CASE("linear: y = x W^T + b by hand") {
  Generator gen(1);
  Linear fc(3, 2, gen);
  fc.weight().value().copy_(tensor({{1, 2, 3}, {-1, 0, 1}}));
  fc.bias().value().copy_(tensor({0.5, -0.5}));
  Variable y = fc(Variable(tensor({{1, 1, 1}, {2, 0, -1}})));
  CHECK_TENSOR_CLOSE(y.value(), tensor({{6.5, -0.5}, {-0.5, -3.5}}));
  // Batch axes broadcast; a 1-D input gives a 1-D output.
  CHECK(fc(Variable(ones({4, 5, 3}))).shape() == Shape{4, 5, 2});
  CHECK(fc(Variable(ones({3}))).shape() == Shape{2});
}

TEST_CASE("linear: gradcheck for input, weight and bias") {
  Generator gen(2);
  for (bool bias : {true, false}) {
    Linear fc(4, 3, gen, {.bias = bias});
    fc.to(kFloat64);
    GradcheckResult r = gradcheck_module(fc, Variable(randn({2, 4}, gen, kFloat64), true));
    CHECK_MESSAGE(r.ok, r.message);
    CHECK(fc.named_parameters().size() == (bias ? 2u : 1u));
  }
}

TEST_CASE("linear: parameter names, shapes and PyTorch's default init bounds") {
  Generator gen(3);
  Linear fc(100, 30, gen);
  auto named = fc.named_parameters();
  REQUIRE(named.size() == 2);
  CHECK(named[0].first == "weight");
  CHECK(named[0].second.shape() == Shape{30, 100});
  CHECK(named[1].first == "bias");
  CHECK(named[1].second.shape() == Shape{30});
  double bound = 1.0 / std::sqrt(100.0);
  CHECK(amax(abs(fc.weight().value())).item() <= bound);
  CHECK(amax(abs(fc.weight().value())).item() > 0.9 * bound);
  CHECK(amax(abs(fc.bias().value())).item() <= bound);
  // Same seed, same weights.
  Generator again(3);
  Linear fc2(100, 30, again);
  CHECK(testing::bitwise_equal(fc.weight().value(), fc2.weight().value()));
}

TEST_CASE("linear: errors name the layer and the sizes") {
  Generator gen(4);
  Linear fc(784, 10, gen);
  CHECK_THROWS_WITH_AS(fc(Variable(zeros({2, 783}))),
                       "Linear: input has 783 features but the layer expects 784 (input [2,783])",
                       Error);
  CHECK_THROWS_WITH_AS(fc(Variable(zeros({2, 784}, kFloat64))),
                       doctest::Contains("input is float64 but the weights are float32"), Error);
  CHECK_THROWS_WITH_AS(Linear(0, 3, gen), doctest::Contains("must be positive"), Error);
}

}  // namespace
}  // namespace minidl::nn
