// Tests for tensor/conv.cpp and tensor/max_pool.cpp: im2col, col2im and the max-pooling argmax
// against the naive references of tensor/naive_conv.h on awkward shapes, the adjoint identity,
// PyTorch's output-size rule, determinism across thread counts, and error messages.
#include "tensor/conv.h"

#include <doctest/doctest.h>

#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "tensor/naive_conv.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/random.h"
#include "tests/test_util.h"

using namespace minidl;
using minidl::testing::bitwise_equal;

namespace {

struct Case {
  const char* name;
  Shape x;  // [N, C, H, W]
  Window2d w;
};

// 1x1 kernels, strides, padding, dilation, non-square everything, ceil_mode, a kernel as large as
// the padded image.
std::vector<Case> cases() {
  return {
      {"1x1", {2, 3, 4, 5}, {}},
      {"1x1 stride 2", {1, 2, 5, 5}, {{1, 1}, {2, 2}}},
      {"3x3", {2, 2, 5, 6}, {{3, 3}}},
      {"3x3 pad 1", {2, 3, 4, 4}, {{3, 3}, {1, 1}, {1, 1}}},
      {"3x3 stride 2 pad 1", {1, 2, 7, 6}, {{3, 3}, {2, 2}, {1, 1}}},
      {"3x3 dilation 2", {2, 1, 7, 8}, {{3, 3}, {1, 1}, {0, 0}, {2, 2}}},
      {"2x3 stride 2x1 pad 1x0 dil 1x2", {2, 3, 6, 9}, {{2, 3}, {2, 1}, {1, 0}, {1, 2}}},
      {"3x2 stride 3 pad 2", {1, 2, 5, 4}, {{3, 2}, {3, 3}, {2, 1}}},
      {"kernel = padded image", {2, 2, 3, 4}, {{5, 4}, {1, 1}, {1, 0}}},
      {"2x2 ceil_mode", {1, 2, 5, 7}, {{2, 2}, {2, 2}, {0, 0}, {1, 1}, true}},
      {"2x2 dilation 2x3 pad 1", {2, 2, 6, 7}, {{2, 2}, {1, 1}, {1, 1}, {2, 3}}},
      {"3x3 stride 2 pad 1 ceil", {2, 1, 6, 6}, {{3, 3}, {2, 2}, {1, 1}, {1, 1}, true}},
      // Strided windows read through phase planes (tensor/conv_runs.h): stacked when the phase
      // planes are the output's size, per plane otherwise.
      {"4x4 stride 2 pad 1 (stacked phases)", {5, 2, 8, 6}, {{4, 4}, {2, 2}, {1, 1}}},
      {"4x4 stride 2 pad 1 odd (phases)", {3, 2, 9, 7}, {{4, 4}, {2, 2}, {1, 1}}},
      {"4x4 stride 2 pad 2 (phases)", {2, 1, 10, 9}, {{4, 4}, {2, 2}, {2, 2}}},
      {"5x5 stride 3 pad 1 (stacked phases)", {3, 2, 12, 12}, {{5, 5}, {3, 3}, {1, 1}}},
  };
}

double dot(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  double s = 0;
  for (std::int64_t i = 0; i < a.numel(); ++i) s += a.at(i) * b.at(i);
  return s;
}

}  // namespace

TEST_CASE("conv window: output size follows PyTorch's floor and ceil_mode rules") {
  // (in, kernel, stride, pad, dilation, ceil_mode) -> size, from torch 1.13 max_pool2d.
  CHECK(window_count(5, 2, 2, 0, 1, false) == 2);
  CHECK(window_count(5, 2, 2, 0, 1, true) == 3);
  CHECK(window_count(6, 3, 2, 1, 1, true) == 4);
  CHECK(window_count(7, 3, 2, 1, 2, true) == 3);
  CHECK(window_count(9, 3, 2, 1, 1, true) == 5);
  CHECK(window_count(10, 3, 3, 1, 1, true) == 4);
  // ceil would give 3, but that window would start past the padded end.
  CHECK(window_count(4, 2, 3, 1, 1, true) == 2);
  CHECK(window_count(28, 3, 1, 1, 1, false) == 28);
  CHECK(window_count(2, 5, 1, 0, 1, false) == -2);
}

TEST_CASE("im2col: known values for a 2x2 window over a padded 2x2 image") {
  // x = [[1, 2], [3, 4]], kernel 2x2, padding 1: 3x3 positions; row (kh, kw) lists the pixel at
  // that kernel offset for every position, 0 in padding.
  Tensor x = tensor({{{{1, 2}, {3, 4}}}});
  Tensor cols = im2col(x, {{2, 2}, {1, 1}, {1, 1}});
  REQUIRE(cols.shape() == Shape{4, 9});
  CHECK(cols.to_vector() == std::vector<double>{0, 0, 0, 0, 1, 2, 0, 3, 4,    // (0, 0)
                                                0, 0, 0, 1, 2, 0, 3, 4, 0,    // (0, 1)
                                                0, 1, 2, 0, 3, 4, 0, 0, 0,    // (1, 0)
                                                1, 2, 0, 3, 4, 0, 0, 0, 0});  // (1, 1)
  // Folding the same columns back counts how many windows see each pixel (4 each here).
  CHECK(col2im(ones({4, 9}), {2, 2}, {{2, 2}, {1, 1}, {1, 1}}).to_vector() ==
        std::vector<double>{4, 4, 4, 4});
}

TEST_CASE("im2col: matches the naive reference on awkward shapes") {
  Generator gen(11);
  for (const auto& c : cases()) {
    CAPTURE(c.name);
    for (DType dt : {kFloat32, kFloat64}) {
      Tensor x = randn(c.x, gen, dt);
      CHECK(bitwise_equal(im2col(x, c.w), naive::im2col(x, c.w)));
    }
  }
}

TEST_CASE("col2im: matches the naive reference on awkward shapes") {
  Generator gen(12);
  for (const auto& c : cases()) {
    CAPTURE(c.name);
    const Shape cs = im2col(zeros(c.x, kFloat64), c.w).shape();
    Tensor cols = randn(cs, gen, kFloat64);
    const Pair image{c.x[2], c.x[3]};
    Tensor got = col2im(cols, image, c.w);
    REQUIRE(got.shape() == c.x);
    CHECK_TENSOR_CLOSE(got, naive::col2im(cols, image, c.w), 1e-13, 1e-13);
    // float32 sums in a different order than the double reference: close, not bitwise.
    CHECK_TENSOR_CLOSE(col2im(cols.to(kFloat32), image, c.w), naive::col2im(cols, image, c.w), 1e-5,
                       1e-5);
  }
}

TEST_CASE("col2im: is the adjoint of im2col") {
  // <im2col(x), y> == <x, col2im(y)> for every geometry: the pair the autograd primitives rely on.
  Generator gen(13);
  for (const auto& c : cases()) {
    CAPTURE(c.name);
    Tensor x = randn(c.x, gen, kFloat64);
    Tensor cols = im2col(x, c.w);
    Tensor y = randn(cols.shape(), gen, kFloat64);
    CHECK(dot(cols, y) == doctest::Approx(dot(x, col2im(y, {c.x[2], c.x[3]}, c.w))).epsilon(1e-12));
  }
}

TEST_CASE("max_pool2d_indices: matches the naive reference, first maximum wins ties") {
  Generator gen(14);
  for (const auto& c : cases()) {
    // Pooling geometry needs padding <= kernel / 2 and no window wholly in padding.
    if (c.w.padding[0] > c.w.kernel[0] / 2 || c.w.padding[1] > c.w.kernel[1] / 2) continue;
    CAPTURE(c.name);
    // Rounded values make ties common.
    Tensor x = round(randn(c.x, gen, kFloat32, 0.0, 1.5));
    CHECK(bitwise_equal(max_pool2d_indices(x, c.w), naive::max_pool2d(x, c.w).second));
  }
  // All -inf windows still give an in-image index (the first).
  Tensor flat = full({1, 1, 2, 2}, -std::numeric_limits<double>::infinity());
  CHECK(max_pool2d_indices(flat, {{2, 2}, {2, 2}, {1, 1}}).values<std::int64_t>() ==
        std::vector<std::int64_t>{0, 1, 2, 3});
}

TEST_CASE("max_pool2d_indices: 2x2 windows follow PyTorch on ties, infinities and NaN") {
  // One 2x2 window per case (the tournament fast path, and its exact fallback when the window sum
  // is NaN): {window values in row-major order, expected index}.
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<std::pair<std::vector<double>, std::int64_t>> windows = {
      {{1, 3, 3, 2}, 1},  // top-right ties bottom-left: row-major first
      {{1, 2, 3, 3}, 2},  // bottom pair ties
      {{4, 4, 4, 4}, 0},  // all equal
      {{-inf, -inf, -inf, -inf}, 0},
      {{inf, -inf, 1, inf}, 0},  // inf - inf = NaN in the sum: the exact loop decides
      {{1, nan, 5, 2}, 1},       // a NaN wins
      {{nan, 7, nan, 2}, 2},     // the last NaN wins (PyTorch's CPU kernel)
  };
  for (const auto& window : windows) {  // not a binding: CAPTURE's lambda (clang < 16)
    const std::vector<double>& v = window.first;
    const std::int64_t want = window.second;
    CAPTURE(v[0]);
    CAPTURE(v[1]);
    CAPTURE(v[2]);
    CAPTURE(v[3]);
    for (DType dt : {kFloat32, kFloat64}) {
      Tensor x = from_vector(v, {1, 1, 2, 2}).to(dt);
      CHECK(max_pool2d_indices(x, {{2, 2}, {2, 2}}).values<std::int64_t>() ==
            std::vector<std::int64_t>{want});
      CHECK(naive::max_pool2d(x, {{2, 2}, {2, 2}}).second.values<std::int64_t>() ==
            std::vector<std::int64_t>{want});
    }
  }
}

TEST_CASE(
    "max_pool2d: rows of 2x2 stride-2 windows agree with the naive reference on ties, "
    "infinities and NaN") {
  // 24 windows in one row: three blocks of 8 for the block path (tensor/max_pool.cpp), the first
  // all finite with ties, the second with an inf - inf window, the third with NaNs (both sent back
  // to window-by-window); then narrower rows of the same values.
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<std::vector<double>> windows = {{1, 3, 3, 2},
                                                    {1, 2, 3, 3},
                                                    {4, 4, 4, 4},
                                                    {-1, -2, -1, -2},
                                                    {0, 0, 1, 0},
                                                    {5, 1, 5, 1},
                                                    {2, 2, 1, 3},
                                                    {-3, -1, -2, -1},
                                                    {1, 3, 3, 2},
                                                    {inf, -inf, 1, inf},
                                                    {-inf, -inf, -inf, -inf},
                                                    {7, 1, 2, 3},
                                                    {1, 2, 3, 4},
                                                    {4, 3, 2, 1},
                                                    {0, -0.0, 0, 0},
                                                    {9, 9, 8, 9},
                                                    {1, nan, 5, 2},
                                                    {nan, 7, nan, 2},
                                                    {1, 1, 1, 1},
                                                    {3, 2, 1, 0},
                                                    {2, 3, 2, 3},
                                                    {6, 5, 6, 5},
                                                    {1, 2, 2, 1},
                                                    {0, 1, 1, 0}};
  const std::int64_t wn = static_cast<std::int64_t>(windows.size());
  std::vector<double> img(static_cast<std::size_t>(2 * 2 * wn));
  for (std::int64_t k = 0; k < wn; ++k)
    for (std::int64_t i = 0; i < 2; ++i)
      for (std::int64_t j = 0; j < 2; ++j)
        img[static_cast<std::size_t>(i * 2 * wn + 2 * k + j)] =
            windows[static_cast<std::size_t>(k)][static_cast<std::size_t>(i * 2 + j)];
  for (DType dt : {kFloat32, kFloat64}) {
    // Rows of 24, 11, 7 and 5 windows: 8-blocks, a shifted last 8-block, 4-blocks and a shifted
    // last 4-block (a reshaped image still has ties, infinities and NaN in some windows).
    for (const Shape& shape :
         {Shape{1, 1, 2, 2 * wn}, Shape{1, 2, 2, wn - 1}, Shape{1, 1, 2, 14}, Shape{2, 2, 2, 10}}) {
      CAPTURE(shape_str(shape));
      REQUIRE(shape_numel(shape) <= static_cast<std::int64_t>(img.size()));
      const std::vector<double> v(img.begin(), img.begin() + shape_numel(shape));
      const Tensor x = from_vector(v, shape).to(dt);
      const Window2d w{{2, 2}, {2, 2}};
      const auto [vals, idx] = max_pool2d_forward(x, w);
      const auto [want_vals, want_idx] = naive::max_pool2d(x, w);
      CHECK(idx.values<std::int64_t>() == want_idx.values<std::int64_t>());
      CHECK(max_pool2d_indices(x, w).values<std::int64_t>() == want_idx.values<std::int64_t>());
      CHECK(bitwise_equal(vals, want_vals));
    }
  }
}

TEST_CASE("conv kernels: results are bitwise the same on 1 and 2 threads") {
  Generator gen(15);
  // Big enough for many chunks: 16 x 8 planes of 3x3 windows over 20x20.
  Tensor x = randn({8, 16, 20, 20}, gen, kFloat32);
  const Window2d w{{3, 3}, {1, 1}, {1, 1}};
  const Window2d pool{{3, 3}, {2, 2}, {1, 1}, {1, 1}, true};
  Tensor y = randn(im2col(x, w).shape(), gen, kFloat32);
  set_num_threads(1);
  Tensor c1 = im2col(x, w), f1 = col2im(y, {20, 20}, w), p1 = max_pool2d_indices(x, pool);
  set_num_threads(2);
  Tensor c2 = im2col(x, w), f2 = col2im(y, {20, 20}, w), p2 = max_pool2d_indices(x, pool);
  set_num_threads(0);
  CHECK(bitwise_equal(c1, c2));
  CHECK(bitwise_equal(f1, f2));
  CHECK(bitwise_equal(p1, p2));
}

TEST_CASE("conv kernels: errors name the op and the values") {
  Tensor x = zeros({1, 2, 4, 4});
  CHECK_THROWS_WITH_AS(im2col(zeros({2, 4, 4}), {{2, 2}}),
                       "im2col: input must be [N, C, H, W], got shape [2,4,4]", Error);
  CHECK_THROWS_WITH_AS(im2col(x, {{2, 2}, {0, 1}}), "im2col: stride must be >= 1, got 0x1", Error);
  CHECK_THROWS_WITH_AS(im2col(x, {{0, 2}}), "im2col: kernel size must be >= 1, got 0x2", Error);
  CHECK_THROWS_WITH_AS(im2col(x, {{2, 2}, {1, 1}, {-1, 0}}),
                       "im2col: padding must be >= 0, got -1x0", Error);
  CHECK_THROWS_WITH_AS(im2col(x, {{5, 2}}),
                       doctest::Contains("im2col: output size 0x3 is too small: input 4x4"), Error);
  CHECK_THROWS_WITH_AS(im2col(zeros({1, 1, 3, 3}, kInt64), {{2, 2}}),
                       doctest::Contains("im2col: expected a floating-point tensor"), Error);
  CHECK_THROWS_WITH_AS(col2im(zeros({5, 9}), {4, 4}, {{2, 2}}),
                       doctest::Contains("col2im: columns [5,9] do not match kernel 2x2"), Error);
  // Kernel 2 with dilation 3 and padding 1 over 2 pixels: the one window reads rows -1 and 2.
  CHECK_THROWS_WITH_AS(max_pool2d_indices(zeros({1, 1, 2, 4}), {{2, 2}, {1, 1}, {1, 0}, {3, 1}}),
                       doctest::Contains("max_pool2d: the windows at output row 0 lie entirely "
                                         "in padding"),
                       Error);
}
