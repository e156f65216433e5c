// Tests for tensor/conv_gemm.cpp's strided convolutions, whose unfold and fold read phase planes
// (tensor/conv_runs.h): conv2d's forward against the naive 7-loop convolution, its input, weight
// and bias gradients and conv_transpose2d's forward against references built from the naive
// im2col / col2im and a matmul, on stride 2 and 3, kernels 3, 4 and 5, odd and even sizes,
// padding 0..2, dilation, batch 1 and batches that leave a partial sample block, float32 and
// float64; each case asserts which run form it exercises. Then the same bits on 1 and 2 threads
// at the DCGAN's shapes.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tensor/conv.h"
#include "tensor/conv_runs.h"
#include "tensor/naive_conv.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/random.h"
#include "tests/test_util.h"

using namespace minidl;
using minidl::testing::bitwise_equal;

namespace {

enum class Form { kStrided, kPhased, kStacked };

struct StrideCase {
  const char* name;
  Shape x;  // [N, C, H, W]
  std::int64_t o;
  Window2d w;
  Form form;  // how tensor/conv_runs.h reads this window (checked)
};

// Small maps (L < 128) run in blocks of ceil(256 / L) samples: 11 samples at L = 49 are a block
// of 6 and a partial one of 5.
std::vector<StrideCase> stride_cases() {
  return {
      {"4x4 stride 2 pad 1, 14x14 (DCGAN D conv2), 11 samples",
       {11, 3, 14, 14},
       5,
       {{4, 4}, {2, 2}, {1, 1}},
       Form::kStacked},
      {"4x4 stride 2 pad 1, 28x28 (DCGAN D conv1), one channel",
       {3, 1, 28, 28},
       4,
       {{4, 4}, {2, 2}, {1, 1}},
       Form::kStacked},
      {"4x4 stride 2 pad 1, batch 1", {1, 2, 8, 6}, 3, {{4, 4}, {2, 2}, {1, 1}}, Form::kStacked},
      {"4x4 stride 2 pad 1, odd 9x7", {4, 2, 9, 7}, 3, {{4, 4}, {2, 2}, {1, 1}}, Form::kPhased},
      {"4x4 stride 2 pad 0, 12x10", {3, 2, 12, 10}, 3, {{4, 4}, {2, 2}, {0, 0}}, Form::kPhased},
      {"4x4 stride 2 pad 2, 12x11", {3, 2, 12, 11}, 2, {{4, 4}, {2, 2}, {2, 2}}, Form::kPhased},
      {"3x3 stride 2 pad 1, 10x10, 13 samples",
       {13, 2, 10, 10},
       3,
       {{3, 3}, {2, 2}, {1, 1}},
       Form::kStacked},
      {"3x3 stride 2 pad 0, odd 9x9", {2, 3, 9, 9}, 2, {{3, 3}, {2, 2}, {0, 0}}, Form::kPhased},
      {"3x3 stride 2 pad 2, 7x8", {2, 2, 7, 8}, 3, {{3, 3}, {2, 2}, {2, 2}}, Form::kPhased},
      {"5x5 stride 2 pad 2, 14x14", {7, 2, 14, 14}, 3, {{5, 5}, {2, 2}, {2, 2}}, Form::kStacked},
      {"4x3 stride 2x1 pad 1, 8x7", {5, 2, 8, 7}, 3, {{4, 3}, {2, 1}, {1, 1}}, Form::kStacked},
      {"5x5 stride 3 pad 1, 12x12", {4, 2, 12, 12}, 3, {{5, 5}, {3, 3}, {1, 1}}, Form::kStacked},
      {"3x3 stride 2 dilation 2 pad 2, 10x10",
       {3, 2, 10, 10},
       2,
       {{3, 3}, {2, 2}, {2, 2}, {2, 2}},
       Form::kStacked},
      {"2x2 stride 2 (each pixel read once)", {3, 2, 6, 7}, 3, {{2, 2}, {2, 2}}, Form::kStrided},
      {"1x1 stride 2", {2, 3, 5, 5}, 2, {{1, 1}, {2, 2}}, Form::kStrided},
  };
}

Form form_of(const StrideCase& c) {
  const Pair out = window_out_size(c.w, {c.x[2], c.x[3]}, "test");
  const detail::RunPlan rp =
      detail::run_plan(detail::geometry({1, c.x[1], c.x[2], c.x[3]}, c.w, out));
  return rp.stacked ? Form::kStacked : rp.phased ? Form::kPhased : Form::kStrided;
}

// [N, O, L] -> [O, N L] (the unfolded layout's column order).
Tensor as_rows(const Tensor& t) {
  const std::int64_t n = t.size(0), o = t.size(1), l = t.size(2) * t.size(3);
  return permute(t.reshape({n, o, l}), {1, 0, 2}).reshape({o, n * l});
}

// Max |got - want| <= tol * max |want|.
void check_close(const Tensor& got, const Tensor& want, double tol) {
  const double scale = amax(abs(want)).item();
  CHECK_TENSOR_CLOSE(got.to(kFloat64), want, 0.0, tol * (scale > 0 ? scale : 1.0));
}

}  // namespace

TEST_CASE("conv_gemm: strided forward and gradients match the naive references") {
  Generator gen(41);
  for (const auto& c : stride_cases()) {
    CAPTURE(c.name);
    REQUIRE(form_of(c) == c.form);
    const Pair out = window_out_size(c.w, {c.x[2], c.x[3]}, "test");
    const std::int64_t n = c.x[0], ckk = c.x[1] * c.w.kernel[0] * c.w.kernel[1];
    for (DType dt : {kFloat64, kFloat32}) {
      CAPTURE(dtype_name(dt));
      const double tol = dt == kFloat64 ? 1e-12 : 2e-5;
      const Tensor x = randn(c.x, gen, dt), b = randn({c.o}, gen, dt);
      const Tensor w = randn({c.o, c.x[1], c.w.kernel[0], c.w.kernel[1]}, gen, dt);
      const Tensor dy = randn({n, c.o, out[0], out[1]}, gen, dt);
      const Tensor x64 = x.to(kFloat64), w64 = w.to(kFloat64).reshape({c.o, ckk});
      const Tensor dy64 = as_rows(dy.to(kFloat64));
      // Forward.
      check_close(conv2d_forward(x, w, b, c.w, 1),
                  naive::conv2d(x64, w.to(kFloat64), b.to(kFloat64), c.w.stride, c.w.padding,
                                c.w.dilation, 1),
                  tol);
      // dx = col2im(W^T dy), dW = dy cols^T, db = sums of dy.
      const Conv2dGrads g = conv2d_backward(dy, x, w, c.w, 1, true, true, true);
      check_close(g.input, naive::col2im(matmul(w64, dy64, true), {c.x[2], c.x[3]}, c.w), tol);
      check_close(g.weight, matmul(dy64, naive::im2col(x64, c.w), false, true).reshape(w.shape()),
                  tol);
      check_close(g.bias, sum(dy.to(kFloat64), {0, 2, 3}), tol);
      // conv_transpose2d of dy with the weight read as [O, C, kH, kW]: the same col2im of W^T dy
      // onto x's size, plus a bias per output channel (C of them).
      const Tensor bt = randn({c.x[1]}, gen, dt);
      const Tensor yt = conv_transpose2d_forward(dy, w, bt, c.w, 1, {c.x[2], c.x[3]});
      const Tensor want_t = add(naive::col2im(matmul(w64, dy64, true), {c.x[2], c.x[3]}, c.w),
                                bt.to(kFloat64).reshape({1, c.x[1], 1, 1}));
      check_close(yt, want_t, tol);
      // The weight gradient alone, as the first layer of a network asks (no dx pass).
      const Conv2dGrads gw = conv2d_backward(dy, x, w, c.w, 1, false, true, false);
      CHECK(bitwise_equal(gw.weight, g.weight));
    }
  }
}

TEST_CASE("conv_gemm: grouped strided convolution through phase planes") {
  // Groups 2, 4x4 stride 2 padding 1 on 10x10 (stacked phase planes, L = 25: blocks of 11).
  Generator gen(42);
  const Window2d win{{4, 4}, {2, 2}, {1, 1}};
  const Tensor x = randn({13, 4, 10, 10}, gen, kFloat64), w = randn({6, 2, 4, 4}, gen, kFloat64);
  const Tensor dy = randn({13, 6, 5, 5}, gen, kFloat64);
  const Tensor want = naive::conv2d(x, w, Tensor(), {2, 2}, {1, 1}, {1, 1}, 2);
  check_close(conv2d_forward(x, w, Tensor(), win, 2), want, 1e-12);
  const Conv2dGrads g = conv2d_backward(dy, x, w, win, 2, true, true, false);
  // Per group: the ungrouped references on that group's channels.
  for (std::int64_t gi = 0; gi < 2; ++gi) {
    CAPTURE(gi);
    const Tensor xg = narrow(x, 1, 2 * gi, 2);
    const Tensor wg = narrow(w, 0, 3 * gi, 3).reshape({3, 2 * 16});
    const Tensor dyg = as_rows(narrow(dy, 1, 3 * gi, 3));
    check_close(narrow(g.input, 1, 2 * gi, 2), naive::col2im(matmul(wg, dyg, true), {10, 10}, win),
                1e-12);
    check_close(narrow(g.weight, 0, 3 * gi, 3),
                matmul(dyg, naive::im2col(xg, win), false, true).reshape({3, 2, 4, 4}), 1e-12);
  }
}

TEST_CASE("conv_gemm: the DCGAN's strided layers are bitwise the same on 1 and 2 threads") {
  // D's convolutions (1 -> 32 on 28x28, 32 -> 64 on 14x14) and G's transposed ones (64 -> 32
  // onto 14x14, 32 -> 1 onto 28x28), 4x4 stride 2 padding 1, batch 20: several forward and
  // backward chunks, stacked phase planes, sums of per-chunk partials.
  Generator gen(43);
  const Window2d win{{4, 4}, {2, 2}, {1, 1}};
  struct Layer {
    Shape x;
    std::int64_t o;
  };
  for (const Layer& l : {Layer{{20, 1, 28, 28}, 32}, Layer{{20, 32, 14, 14}, 64}}) {
    CAPTURE(l.x[1]);
    const Tensor x = randn(l.x, gen, kFloat32), b = randn({l.o}, gen, kFloat32);
    const Tensor w = randn({l.o, l.x[1], 4, 4}, gen, kFloat32);
    const Tensor dy = randn({l.x[0], l.o, l.x[2] / 2, l.x[3] / 2}, gen, kFloat32);
    const Tensor bt = randn({l.x[1]}, gen, kFloat32);
    auto run = [&](int threads) {
      set_num_threads(threads);
      const Conv2dGrads g = conv2d_backward(dy, x, w, win, 1, true, true, true);
      return std::vector<Tensor>{conv2d_forward(x, w, b, win, 1), g.input, g.weight, g.bias,
                                 conv_transpose2d_forward(dy, w, bt, win, 1, {l.x[2], l.x[3]})};
    };
    const std::vector<Tensor> one = run(1), two = run(2);
    set_num_threads(0);
    for (std::size_t i = 0; i < one.size(); ++i) {
      CAPTURE(i);
      CHECK(bitwise_equal(one[i], two[i]));
    }
  }
}
