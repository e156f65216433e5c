// Conv2d: a value by hand, gradchecks with stride, padding, dilation and groups (input, weight,
// bias), names and shapes, default init, errors, and the summary of a small CNN. PyTorch
// reference values are in nn/torch_reference_test.cpp.
#include "nn/conv2d.h"

#include <doctest/doctest.h>

#include <cmath>

#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/dropout.h"
#include "nn/flatten.h"
#include "nn/gradcheck_module.h"
#include "nn/linear.h"
#include "nn/pooling.h"
#include "nn/sequential.h"
#include "tensor/ops.h"
#include "tests/test_util.h"

namespace minidl::nn {
namespace {

TEST_CASE("conv2d layer: a 2x2 kernel over a 3x3 image by hand") {
  Generator gen(1);
  Conv2d conv(1, 1, 2, gen);
  conv.weight().value().copy_(tensor({{{{1, 0}, {0, -1}}}}));
  conv.bias().value().fill_(0.5);
  Variable x(arange(1.0, 10.0).reshape({1, 1, 3, 3}));
  // y = x[i][j] - x[i+1][j+1] + 0.5 = -4 + 0.5 everywhere
  CHECK_TENSOR_CLOSE(conv(x).value(), full({1, 1, 2, 2}, -3.5));
  Conv2d padded(1, 1, 3, gen, {.stride = 2, .padding = 1, .bias = false});
  CHECK(padded(x).shape() == Shape{1, 1, 2, 2});
}

TEST_CASE("conv2d layer: gradcheck with stride, padding, dilation and groups") {
  Generator gen(2);
  struct Row {
    const char* name;
    std::int64_t cin, cout;
    Size2 kernel;
    Conv2dOptions options;
  };
  const Row rows[] = {
      {"plain", 2, 3, 3, {}},
      {"stride 2, padding 1", 2, 2, 3, {.stride = 2, .padding = 1}},
      {"dilation 2, rect kernel", 1, 2, {2, 3}, {.padding = {1, 0}, .dilation = 2}},
      {"groups 2, no bias", 4, 2, 3, {.stride = {1, 2}, .padding = 1, .groups = 2, .bias = false}},
      {"depthwise", 3, 3, 2, {.groups = 3}},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    Conv2d conv(r.cin, r.cout, r.kernel, gen, r.options);
    conv.to(kFloat64);
    GradcheckResult g =
        gradcheck_module(conv, Variable(randn({2, r.cin, 5, 6}, gen, kFloat64), true));
    CHECK_MESSAGE(g.ok, g.message);
  }
}

TEST_CASE("conv2d layer: names, shapes and PyTorch's default init bounds") {
  Generator gen(3);
  Conv2d conv(4, 8, {3, 5}, gen, {.groups = 2});
  auto p = conv.named_parameters();
  REQUIRE(p.size() == 2);
  CHECK(p[0].first == "weight");
  CHECK(p[0].second.shape() == Shape{8, 2, 3, 5});
  CHECK(p[1].first == "bias");
  double bound = 1.0 / std::sqrt(2.0 * 3 * 5);
  CHECK(amax(abs(conv.weight().value())).item() <= bound);
  CHECK(amax(abs(conv.bias().value())).item() <= bound);
  CHECK(conv.repr() == "Conv2d(4, 8, kernel_size=(3, 5), stride=1, groups=2)");
}

TEST_CASE("conv2d layer: errors name the layer and the values") {
  Generator gen(4);
  Conv2d conv(3, 8, 3, gen);
  CHECK_THROWS_WITH_AS(conv(Variable(zeros({1, 4, 8, 8}))),
                       "Conv2d: input has 4 channels but the layer expects 3 (input [1,4,8,8])",
                       Error);
  CHECK_THROWS_WITH_AS(conv(Variable(zeros({4, 8, 8}))),
                       doctest::Contains("needs an input of shape [N, C, H, W]"), Error);
  CHECK_THROWS_WITH_AS(Conv2d(3, 8, 3, gen, {.groups = 2}),
                       "Conv2d: groups 2 must divide in_channels 3 and out_channels 8", Error);
}

TEST_CASE("module: summary of a small CNN") {
  Generator gen(5);
  auto features = std::make_shared<Sequential>(
      std::make_shared<Conv2d>(1, 8, 3, gen, Conv2dOptions{.padding = 1}),
      std::make_shared<BatchNorm2d>(8), std::make_shared<ReLU>(), std::make_shared<MaxPool2d>(2));
  Sequential cnn;
  cnn.push_back("features", features)
      .push_back("flatten", std::make_shared<Flatten>())
      .push_back("dropout", std::make_shared<Dropout>(0.25, gen))
      .push_back("classifier", std::make_shared<Linear>(8 * 14 * 14, 10, gen));
  const std::string expected = R"(Model: "Sequential"
Input: [1, 1, 28, 28] float32
===================================================
Layer (type)               Output Shape     Param #
===================================================
features.0 (Conv2d)        [1, 8, 28, 28]        80
features.1 (BatchNorm2d)   [1, 8, 28, 28]        16
features.2 (ReLU)          [1, 8, 28, 28]         0
features.3 (MaxPool2d)     [1, 8, 14, 14]         0
flatten (Flatten)          [1, 1568]              0
dropout (Dropout)          [1, 1568]              0
classifier (Linear)        [1, 10]           15,690
===================================================
Output: [1, 10]
Total params: 15,786 (61.66 KB)
Trainable params: 15,786 (61.66 KB)
Non-trainable params: 0 (0 B)
Buffers: 17 values (72 B, e.g. running statistics; saved with the weights, not trained)
)";
  CHECK(cnn.summary({1, 1, 28, 28}) == expected);
}

}  // namespace
}  // namespace minidl::nn
