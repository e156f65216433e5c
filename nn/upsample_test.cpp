// Upsample layer: output sizes, repr, settings refused at construction, gradcheck. The index
// conventions and the PyTorch values are tested in autograd/upsample_test.cpp and
// nn/torch_reference_test.cpp.
#include "nn/upsample.h"

#include <doctest/doctest.h>

#include "nn/gradcheck_module.h"
#include "tensor/ops.h"
#include "tests/test_util.h"

namespace minidl::nn {
namespace {

TEST_CASE("upsample layer: sizes, repr and no parameters") {
  Upsample up(2.0);
  CHECK(up(Variable(zeros({3, 4, 7, 7}))).shape() == Shape{3, 4, 14, 14});
  CHECK(up.named_parameters().empty());
  CHECK(up.repr() == "Upsample(scale_factor=2, mode=nearest)");
  Upsample to_size(UpsampleOptions{.size = std::array<std::int64_t, 2>{28, 20},
                                   .mode = UpsampleMode::kBilinear,
                                   .align_corners = false});
  CHECK(to_size(Variable(zeros({1, 1, 7, 5}))).shape() == Shape{1, 1, 28, 20});
  CHECK(to_size.repr() == "Upsample(size=(28, 20), mode=bilinear, align_corners=false)");
}

TEST_CASE("upsample layer: gradcheck in both modes") {
  Generator gen(5);
  for (UpsampleMode mode : {UpsampleMode::kNearest, UpsampleMode::kBilinear}) {
    CAPTURE(upsample_mode_name(mode));
    Upsample up(1.5, mode);
    GradcheckResult g = gradcheck_module(up, Variable(randn({2, 2, 3, 4}, gen, kFloat64), true));
    CHECK_MESSAGE(g.ok, g.message);
  }
}

TEST_CASE("upsample layer: errors at construction") {
  CHECK_THROWS_WITH_AS(Upsample(UpsampleOptions{}),
                       "Upsample: give exactly one of size and scale_factor", Error);
  CHECK_THROWS_WITH_AS(Upsample(UpsampleOptions{.scale_factor = std::array<double, 2>{2.0, 2.0},
                                                .align_corners = true}),
                       "Upsample: align_corners can only be set with the bilinear mode", Error);
  CHECK_THROWS_WITH_AS(Upsample(-1.0), "Upsample: scale_factor -1x-1 must be positive", Error);
  CHECK_THROWS_WITH_AS(Upsample(UpsampleOptions{.size = std::array<std::int64_t, 2>{0, 3}}),
                       "Upsample: size 0x3 must be >= 1", Error);
}

}  // namespace
}  // namespace minidl::nn
