// Pooling layers: values by hand, gradchecks, options, errors. PyTorch reference values are in
// nn/torch_reference_test.cpp.
#include "nn/pooling.h"

#include <doctest/doctest.h>

#include "nn/gradcheck_module.h"
#include "tensor/ops.h"
#include "tests/test_util.h"

namespace minidl::nn {
namespace {

// A permutation of spaced values: no ties in any window, so max pooling is differentiable.
Tensor distinct(const Shape& shape, Generator& gen) {
  Tensor p = permutation(shape_numel(shape), gen).to(kFloat64);
  return add(mul(p, 0.37), 0.11).reshape(shape);
}

TEST_CASE("pooling layers: values by hand") {
  Variable x(arange(0.0, 16.0).reshape({1, 1, 4, 4}));
  CHECK_TENSOR_CLOSE(MaxPool2d(2)(x).value(), tensor({{{{5, 7}, {13, 15}}}}));
  CHECK_TENSOR_CLOSE(AvgPool2d(2)(x).value(), tensor({{{{2.5, 4.5}, {10.5, 12.5}}}}));
  CHECK_TENSOR_CLOSE(GlobalAvgPool2d()(x).value(), tensor({{7.5}}));
  CHECK(MaxPool2d(3, {.stride = 2, .ceil_mode = true})(x).shape() == Shape{1, 1, 2, 2});
  CHECK(MaxPool2d(3, {.stride = 2})(x).shape() == Shape{1, 1, 1, 1});
  // Padding excluded from the count: the corner window averages its one real cell... of 4.
  Tensor corner = AvgPool2d(2, {.stride = 2, .padding = 1, .count_include_pad = false})(x).value();
  CHECK(corner.at(0) == 0.0);
  CHECK(corner.at(1) == doctest::Approx(1.5));
}

TEST_CASE("pooling layers: gradchecks") {
  Generator gen(1);
  MaxPool2d mp(2);
  MaxPool2d mp_opts({3, 2},
                    {.stride = {2, 1}, .padding = 1, .dilation = {1, 2}, .ceil_mode = true});
  AvgPool2d ap(2);
  AvgPool2d ap_opts(3, {.stride = 2, .padding = 1, .ceil_mode = true, .count_include_pad = false});
  GlobalAvgPool2d gap;
  for (Module* m : std::initializer_list<Module*>{&mp, &mp_opts, &ap, &ap_opts, &gap}) {
    CAPTURE(m->repr());
    GradcheckResult r = gradcheck_module(*m, Variable(distinct({2, 2, 5, 6}, gen), true));
    CHECK_MESSAGE(r.ok, r.message);
    CHECK(m->named_parameters().empty());
  }
}

TEST_CASE("pooling layers: settings and errors") {
  CHECK(MaxPool2d(2).repr() ==
        "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=false)");
  CHECK(AvgPool2d({3, 2}, {.stride = 1}).repr() ==
        "AvgPool2d(kernel_size=(3, 2), stride=1, padding=0, ceil_mode=false, "
        "count_include_pad=true)");
  CHECK_THROWS_WITH_AS(MaxPool2d(2, {.padding = 2}),
                       doctest::Contains("padding 2 must be between 0 and half the kernel size 2"),
                       Error);
  CHECK_THROWS_WITH_AS(MaxPool2d(2)(Variable(zeros({2, 3, 4}))),
                       doctest::Contains("MaxPool2d: needs an input of shape [N, C, H, W]"), Error);
  CHECK_THROWS_WITH_AS(GlobalAvgPool2d()(Variable(zeros({2, 3}))),
                       doctest::Contains("GlobalAvgPool2d"), Error);
}

}  // namespace
}  // namespace minidl::nn
