// ConvTranspose2d: output sizes, gradchecks of the input and each parameter with stride,
// output_padding, dilation and groups, names, PyTorch's parameter layout and default init bounds,
// errors. PyTorch reference values are in nn/torch_reference_test.cpp.
#include "nn/conv_transpose2d.h"

#include <doctest/doctest.h>

#include <cmath>

#include "nn/gradcheck_module.h"
#include "tensor/ops.h"
#include "tests/test_util.h"

namespace minidl::nn {
namespace {

TEST_CASE("conv_transpose2d layer: DCGAN's 4x4 stride 2 padding 1 doubles the size") {
  Generator gen(1);
  ConvTranspose2d up(8, 4, 4, gen, {.stride = 2, .padding = 1});
  CHECK(up(Variable(zeros({3, 8, 7, 7}))).shape() == Shape{3, 4, 14, 14});
  // 7x7 from 1x1 (the first layer of a DCGAN generator on a 1x1 noise "image").
  ConvTranspose2d first(16, 8, 7, gen);
  CHECK(first(Variable(zeros({2, 16, 1, 1}))).shape() == Shape{2, 8, 7, 7});
  ConvTranspose2d odd(2, 2, 3, gen, {.stride = 2, .padding = 1, .output_padding = 1});
  CHECK(odd(Variable(zeros({1, 2, 5, 4}))).shape() == Shape{1, 2, 10, 8});
}

TEST_CASE("conv_transpose2d layer: gradcheck with stride, output_padding, dilation and groups") {
  Generator gen(2);
  struct Row {
    const char* name;
    std::int64_t cin, cout;
    Size2 kernel;
    ConvTranspose2dOptions options;
  };
  const Row rows[] = {
      {"plain", 2, 3, 3, {}},
      {"stride 2, padding 1, output_padding 1",
       2,
       2,
       3,
       {.stride = 2, .padding = 1, .output_padding = 1}},
      {"dilation 2, rect kernel", 1, 2, {2, 3}, {.padding = {1, 0}, .dilation = 2}},
      {"groups 2, no bias", 4, 2, 3, {.stride = {1, 2}, .padding = 1, .groups = 2, .bias = false}},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    ConvTranspose2d conv(r.cin, r.cout, r.kernel, gen, r.options);
    conv.to(kFloat64);
    GradcheckResult g =
        gradcheck_module(conv, Variable(randn({2, r.cin, 3, 4}, gen, kFloat64), true));
    CHECK_MESSAGE(g.ok, g.message);
  }
}

TEST_CASE("conv_transpose2d layer: PyTorch's layout [C_in, C_out / groups, kH, kW] and init") {
  Generator gen(3);
  ConvTranspose2d conv(4, 6, {3, 5}, gen, {.groups = 2});
  auto p = conv.named_parameters();
  REQUIRE(p.size() == 2);
  CHECK(p[0].first == "weight");
  CHECK(p[0].second.shape() == Shape{4, 3, 3, 5});
  CHECK(p[1].first == "bias");
  CHECK(p[1].second.shape() == Shape{6});
  // fan_in = weight.size(1) * kH * kW, as PyTorch computes it from the weight.
  const double bound = 1.0 / std::sqrt(3.0 * 3 * 5);
  CHECK(amax(abs(conv.weight().value())).item() <= bound);
  CHECK(amax(abs(conv.weight().value())).item() > 0.8 * bound);
  CHECK(amax(abs(conv.bias().value())).item() <= bound);
  CHECK(conv.repr() == "ConvTranspose2d(4, 6, kernel_size=(3, 5), stride=1, groups=2)");
  ConvTranspose2d s(2, 2, 4, gen, {.stride = 2, .padding = 1, .output_padding = 1});
  CHECK(s.repr() == "ConvTranspose2d(2, 2, kernel_size=4, stride=2, padding=1, output_padding=1)");
}

TEST_CASE("conv_transpose2d layer: errors name the layer and the values") {
  Generator gen(4);
  ConvTranspose2d conv(3, 8, 3, gen);
  CHECK_THROWS_WITH_AS(
      conv(Variable(zeros({1, 4, 8, 8}))),
      "ConvTranspose2d: input has 4 channels but the layer expects 3 (input [1,4,8,8])", Error);
  CHECK_THROWS_WITH_AS(conv(Variable(zeros({4, 8, 8}))),
                       doctest::Contains("needs an input of shape [N, C, H, W]"), Error);
  CHECK_THROWS_WITH_AS(ConvTranspose2d(3, 8, 3, gen, {.groups = 2}),
                       "ConvTranspose2d: groups 2 must divide in_channels 3 and out_channels 8",
                       Error);
  CHECK_THROWS_WITH_AS(ConvTranspose2d(3, 8, 3, gen, {.stride = 2, .output_padding = 2}),
                       "ConvTranspose2d: output_padding 2 must be non-negative and smaller than "
                       "either stride 2 or dilation 1",
                       Error);
  // Smaller than the dilation is enough, as in PyTorch.
  ConvTranspose2d dil(1, 1, 2, gen, {.output_padding = 1, .dilation = 2});
  CHECK(dil(Variable(zeros({1, 1, 3, 3}))).shape() == Shape{1, 1, 6, 6});
}

}  // namespace
}  // namespace minidl::nn
