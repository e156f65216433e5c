// BatchNorm1d/2d: normalisation by hand, running statistics (momentum, unbiased variance,
// cumulative average), eval mode, gradchecks in train and eval mode, names, errors; the fused op
// against its composition (nn/batchnorm_fused_test.cpp). PyTorch
// reference values (train steps, running statistics, eval outputs) are in
// nn/torch_reference_test.cpp.
#include "nn/batchnorm.h"

#include <doctest/doctest.h>

#include <cmath>

#include "nn/gradcheck_module.h"
#include "tensor/ops.h"
#include "tests/test_util.h"

namespace minidl::nn {
namespace {

TEST_CASE("batchnorm: training normalises with the biased batch variance") {
  BatchNorm1d bn(1);
  bn.to(kFloat64);
  Variable y = bn(Variable(tensor({{1.0}, {2.0}, {3.0}, {6.0}}, kFloat64)));
  // mean 3, biased variance (4 + 1 + 0 + 9) / 4 = 3.5
  double s = std::sqrt(3.5 + 1e-5);
  CHECK_TENSOR_CLOSE(y.value(), tensor({{-2 / s}, {-1 / s}, {0.0}, {3 / s}}, kFloat64), 1e-12);
  // Running statistics: momentum 0.1 toward the batch mean and the unbiased variance 14 / 3.
  CHECK_TENSOR_CLOSE(bn.running_mean(), tensor({0.3}, kFloat64), 1e-12);
  CHECK_TENSOR_CLOSE(bn.running_var(), tensor({0.9 + 0.1 * 14.0 / 3.0}, kFloat64), 1e-12);
  CHECK(bn.num_batches_tracked() == 1);
}

TEST_CASE("batchnorm: eval mode uses the running statistics and does not update them") {
  BatchNorm2d bn(2);
  bn.to(kFloat64);
  bn.running_mean().copy_(tensor({1.0, -1.0}));
  bn.running_var().copy_(tensor({4.0, 0.25}));
  bn.weight().value().copy_(tensor({2.0, 1.0}));
  bn.bias().value().copy_(tensor({0.5, 0.0}));
  bn.eval();
  Variable y = bn(Variable(full({1, 2, 1, 1}, 3.0, kFloat64)));
  CHECK_TENSOR_CLOSE(
      y.value().reshape({2}),
      tensor({2 * 2 / std::sqrt(4 + 1e-5) + 0.5, 4 / std::sqrt(0.25 + 1e-5)}, kFloat64), 1e-12);
  CHECK(bn.num_batches_tracked() == 0);
  CHECK(bn.running_mean().at(0) == 1.0);
}

TEST_CASE("batchnorm: momentum = nullopt keeps the cumulative average") {
  BatchNorm1d bn(1, {.momentum = std::nullopt});
  bn.to(kFloat64);
  bn(Variable(tensor({{0.0}, {2.0}}, kFloat64)));  // mean 1
  bn(Variable(tensor({{4.0}, {6.0}}, kFloat64)));  // mean 5
  CHECK(bn.num_batches_tracked() == 2);
  CHECK(bn.running_mean().at(0) == doctest::Approx(3.0));
  CHECK(bn.running_var().at(0) == doctest::Approx(2.0));  // unbiased variance 2 both times
}

TEST_CASE("batchnorm: gradcheck in train and eval mode, [N, C], [N, C, L] and [N, C, H, W]") {
  Generator gen(1);
  BatchNorm1d bn1(3);
  BatchNorm2d bn2(2);
  for (Module* m : {static_cast<Module*>(&bn1), static_cast<Module*>(&bn2)}) {
    m->to(kFloat64);
    // Non-trivial affine parameters so their gradients are not special.
    m->parameter("weight").value().copy_(add(rand(m->parameter("weight").shape(), gen), 0.5));
    m->parameter("bias").value().copy_(randn(m->parameter("bias").shape(), gen));
  }
  for (bool training : {true, false}) {
    CAPTURE(training);
    bn1.train(training);
    bn2.train(training);
    GradcheckResult r1 = gradcheck_module(bn1, Variable(randn({4, 3}, gen, kFloat64), true));
    CHECK_MESSAGE(r1.ok, r1.message);
    GradcheckResult r3 = gradcheck_module(bn1, Variable(randn({2, 3, 3}, gen, kFloat64), true));
    CHECK_MESSAGE(r3.ok, r3.message);
    GradcheckResult r2 = gradcheck_module(bn2, Variable(randn({2, 2, 3, 2}, gen, kFloat64), true));
    CHECK_MESSAGE(r2.ok, r2.message);
  }
}

TEST_CASE("batchnorm: names, options and errors") {
  BatchNorm2d bn(4);
  auto params = bn.named_parameters();
  REQUIRE(params.size() == 2);
  CHECK(params[0].first == "weight");
  CHECK(params[1].first == "bias");
  CHECK(bn.state_dict().size() == 5);
  BatchNorm2d plain(4, {.affine = false, .track_running_stats = false});
  CHECK(plain.state_dict().empty());
  CHECK(plain(Variable(ones({2, 4, 1, 1}))).shape() == Shape{2, 4, 1, 1});
  CHECK_THROWS_WITH_AS(bn(Variable(ones({2, 3, 5, 5}))),
                       "BatchNorm2d: input has 3 channels but the layer expects 4 (input "
                       "[2,3,5,5])",
                       Error);
  CHECK_THROWS_WITH_AS(bn(Variable(ones({2, 4}))),
                       doctest::Contains("needs an input of shape [N, C, H, W]"), Error);
  BatchNorm1d one(3);
  CHECK_THROWS_WITH_AS(one(Variable(ones({1, 3}))),
                       doctest::Contains("expected more than 1 value per channel"), Error);
  one.eval();
  CHECK(one(Variable(ones({1, 3}))).shape() == Shape{1, 3});  // fine in eval mode
  CHECK(bn.repr() ==
        "BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)");
}

}  // namespace
}  // namespace minidl::nn
