// Tests for max pooling's compact argmax (tensor/max_pool.cpp: max_pool2d_forward_offsets and its
// backward): against the int64-index kernels, which the naive reference checks, on windows with
// padding, dilation, ceil_mode, overlap and odd sizes, with ties, infinities and NaN in the input.
#include <doctest/doctest.h>

#include <limits>
#include <vector>

#include "tensor/conv.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/random.h"
#include "tests/test_util.h"

using namespace minidl;
using minidl::testing::bitwise_equal;

namespace {

struct PoolCase {
  const char* name;
  Shape x;
  Window2d w;
};

std::vector<PoolCase> pool_cases() {
  return {
      {"2x2 stride 2, the CNN's (8-blocks and a shifted last block)",
       {3, 5, 28, 28},
       {{2, 2}, {2, 2}}},
      {"2x2 stride 2, odd image (a row and column left out)", {2, 3, 9, 13}, {{2, 2}, {2, 2}}},
      {"2x2 stride 2, ceil_mode on an odd image",
       {2, 2, 7, 11},
       {{2, 2}, {2, 2}, {0, 0}, {1, 1}, true}},
      {"2x2 stride 1 (overlapping windows)", {2, 2, 6, 10}, {{2, 2}, {1, 1}}},
      {"3x3 stride 2 padding 1", {2, 3, 11, 8}, {{3, 3}, {2, 2}, {1, 1}}},
      {"3x2 stride (1, 3) dilation (2, 1)", {1, 2, 12, 14}, {{3, 2}, {1, 3}, {0, 0}, {2, 1}}},
      {"3x3 padding 1 dilation 2 ceil_mode", {2, 2, 9, 10}, {{3, 3}, {2, 2}, {1, 1}, {2, 2}, true}},
      {"16x16 window (256 offsets, the largest a byte holds)", {1, 2, 17, 20}, {{16, 16}, {1, 4}}},
  };
}

// Rounded values (ties are common) with infinities and NaN at random pixels.
Tensor pool_input(const Shape& shape, Generator& gen, DType dt) {
  Tensor x = round(randn(shape, gen, kFloat64, 0.0, 1.5));
  const Tensor pick = rand(shape, gen, kFloat64);
  const double inf = std::numeric_limits<double>::infinity();
  double* p = x.data<double>();
  const double* u = pick.data<double>();
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    if (u[i] < 0.02) p[i] = std::numeric_limits<double>::quiet_NaN();
    if (u[i] > 0.98) p[i] = u[i] > 0.99 ? inf : -inf;
  }
  return x.to(dt);
}

}  // namespace

TEST_CASE("max_pool2d_forward_offsets: the same maxima and argmax as max_pool2d_forward") {
  Generator gen(61);
  for (const auto& c : pool_cases()) {
    CAPTURE(c.name);
    for (DType dt : {kFloat32, kFloat64}) {
      const Tensor x = pool_input(c.x, gen, dt);
      const auto want = max_pool2d_forward(x, c.w);
      const auto got = max_pool2d_forward_offsets(x, c.w);
      CHECK(bitwise_equal(got.first, want.first));
      CHECK(got.second.numel() == (want.second.numel() + 7) / 8);
      const Tensor idx =
          max_pool2d_offsets_to_indices(got.second, want.first.shape(), {c.x[2], c.x[3]}, c.w);
      CHECK(idx.values<std::int64_t>() == want.second.values<std::int64_t>());
    }
  }
}

TEST_CASE("max_pool2d_backward_offsets: the same bits as max_pool2d_backward, on 1 and 2 threads") {
  Generator gen(62);
  for (const auto& c : pool_cases()) {
    CAPTURE(c.name);
    for (DType dt : {kFloat32, kFloat64}) {
      const Tensor x = pool_input(c.x, gen, dt);
      const auto indexed = max_pool2d_forward(x, c.w);
      const auto compact = max_pool2d_forward_offsets(x, c.w);
      const Tensor g = randn(indexed.first.shape(), gen, dt);
      const Pair image{c.x[2], c.x[3]};
      const Tensor want = max_pool2d_backward(g, indexed.second, image);
      set_num_threads(1);
      const Tensor one = max_pool2d_backward_offsets(g, compact.second, image, c.w);
      set_num_threads(2);
      const Tensor two = max_pool2d_backward_offsets(g, compact.second, image, c.w);
      set_num_threads(0);
      CHECK(bitwise_equal(one, want));
      CHECK(bitwise_equal(two, want));
    }
  }
}

TEST_CASE("max_pool2d_forward_offsets: windows beyond a byte and mismatched offsets are errors") {
  CHECK_THROWS_WITH_AS(max_pool2d_forward_offsets(zeros({1, 1, 17, 17}), {{17, 16}, {1, 1}}),
                       doctest::Contains("more offsets than a byte holds"), Error);
  const Window2d w{{2, 2}, {2, 2}};
  const auto pooled = max_pool2d_forward_offsets(zeros({1, 2, 4, 4}), w);
  CHECK_THROWS_WITH_AS(max_pool2d_backward_offsets(zeros({1, 2, 3, 2}), pooled.second, {4, 4}, w),
                       doctest::Contains("max_pool2d_backward_offsets"), Error);
  CHECK_THROWS_WITH_AS(
      max_pool2d_backward_offsets(zeros({1, 2, 2, 2}), zeros({5}, kInt64), {4, 4}, w),
      doctest::Contains("packed offsets"), Error);
}
