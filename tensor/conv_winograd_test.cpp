// Tests for tensor/conv_winograd.cpp, tensor/conv_winograd4.cpp and tensor/conv_direct.cpp: the
// Winograd (F(2x2, 3x3) and F(4x4, 3x3)) and direct forwards against the naive 7-loop convolution
// and the im2col + GEMM path, Winograd's input and weight gradients against the GEMM path (whose
// gradients autograd/conv_test.cpp checks against the composed primitives and gradcheck), on odd
// shapes in float32 and float64; the choice of path; the same bits on 1 and 2 threads.
#include "tensor/conv_winograd.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tensor/blas.h"
#include "tensor/naive_conv.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/random.h"
#include "tests/test_util.h"

using namespace minidl;
using detail::ConvPath;
using detail::ConvPathScope;
using minidl::testing::bitwise_equal;

namespace {

struct WinoCase {
  const char* name;
  Shape x;  // [N, C, H, W]
  std::int64_t o;
  Pair pad;
  bool bias;
};

// H and W odd and even, non-square, each padding 0..2 (also mixed), batch 1, channel counts that
// are multiples of nothing, and images too small for one whole tile.
std::vector<WinoCase> wino_cases() {
  return {
      {"14x14 pad 1 (the Fashion CNN's conv2, fewer channels)", {3, 8, 14, 14}, 9, {1, 1}, true},
      {"odd 7x9 pad 0", {2, 5, 7, 9}, 3, {0, 0}, true},
      {"odd 9x5 pad 2", {2, 3, 9, 5}, 7, {2, 2}, false},
      {"mixed padding 0/2, 6x11", {1, 7, 6, 11}, 5, {0, 2}, true},
      {"mixed padding 2/1, 10x4", {3, 2, 10, 4}, 11, {2, 1}, false},
      {"batch 1, 3x3 pad 0 (one output)", {1, 6, 3, 3}, 4, {0, 0}, true},
      {"1x2 pad 1", {2, 3, 1, 2}, 2, {1, 1}, true},
      {"many samples, several batches and chunks", {37, 9, 5, 6}, 10, {1, 1}, true},
      {"37 wide: rows of more tiles than one vector block", {2, 3, 6, 37}, 4, {1, 1}, true},
      {"10x14 pad 1: rows of four tiles, a pair and one left", {3, 4, 10, 14}, 5, {1, 1}, true},
      {"9x30 pad 1: rows of eight tiles, three of them", {2, 3, 9, 30}, 4, {1, 1}, false},
  };
}

Window2d window_of(Pair pad) { return {{3, 3}, {1, 1}, pad}; }

// Max |a - b| <= tol * max |want| (a tolerance relative to the output's scale).
void check_close(const Tensor& got, const Tensor& want, double tol) {
  const double scale = amax(abs(want)).item();
  CHECK_TENSOR_CLOSE(got, want, 0.0, tol * (scale > 0 ? scale : 1.0));
}

}  // namespace

// The forward of `path` (kWinograd, kWinograd4 or kDirect; kDirect must be the path auto-selection
// picks for every case) against the naive convolution and the GEMM path.
void check_forward_path(ConvPath path, const std::vector<WinoCase>& cases, std::uint64_t seed) {
  Generator gen(seed);
  for (const auto& c : cases) {
    CAPTURE(c.name);
    for (DType dt : {kFloat64, kFloat32}) {
      const Tensor x = randn(c.x, gen, dt), w = randn({c.o, c.x[1], 3, 3}, gen, dt);
      const Tensor b = c.bias ? randn({c.o}, gen, dt) : Tensor();
      const Window2d win = window_of(c.pad);
      const Tensor want = naive::conv2d(x, w, b, {1, 1}, c.pad, {1, 1}, 1);
      Tensor fast, gemm;
      {
        const ConvPathScope scope(path);
        if (path != ConvPath::kDirect) {
          REQUIRE(detail::use_winograd(x.shape(), w.shape(), win, 1));
          REQUIRE(detail::winograd_tile({want.size(2), want.size(3)}) ==
                  (path == ConvPath::kWinograd4 ? 4 : 2));
        } else {
          REQUIRE(detail::use_direct(x.shape(), w.shape(), win, 1));
          REQUIRE_FALSE(detail::use_winograd(x.shape(), w.shape(), win, 1));
        }
        fast = conv2d_forward(x, w, b, win, 1);
      }
      {
        const ConvPathScope scope(ConvPath::kGemm);
        REQUIRE_FALSE(detail::use_winograd(x.shape(), w.shape(), win, 1));
        if (path == ConvPath::kDirect)
          REQUIRE_FALSE(detail::use_direct(x.shape(), w.shape(), win, 1));
        gemm = conv2d_forward(x, w, b, win, 1);
      }
      const double tol = dt == kFloat64 ? 1e-12 : 1e-5;
      check_close(fast, want, tol);
      check_close(fast, gemm, tol);
    }
  }
}

TEST_CASE("winograd: the forward matches the naive convolution and the GEMM path") {
  check_forward_path(ConvPath::kWinograd, wino_cases(), 31);
}

TEST_CASE("winograd4: the F(4x4, 3x3) forward matches the naive convolution and the GEMM path") {
  std::vector<WinoCase> cases = wino_cases();
  // Output sizes 1..16 and 37 cover every remainder mod 4; conv2 itself (14x14, its 32 -> 64
  // channels) with 2 samples, so the float32 tolerance is tested where the error is quoted.
  cases.push_back({"conv2 of the Fashion CNN, 2 samples", {2, 32, 14, 14}, 64, {1, 1}, true});
  cases.push_back({"16x15 pad 1: whole tiles and one short", {2, 5, 16, 15}, 6, {1, 1}, false});
  check_forward_path(ConvPath::kWinograd4, cases, 36);
}

TEST_CASE("direct conv: the forward matches the naive convolution and the GEMM path") {
  std::vector<WinoCase> cases = wino_cases();
  cases.push_back({"conv1 of the Fashion CNN, fewer samples", {3, 1, 28, 28}, 32, {1, 1}, true});
  cases.push_back(
      {"2 channels, 40 wide (two passes of 32 columns)", {2, 2, 5, 40}, 3, {1, 0}, true});
  check_forward_path(ConvPath::kDirect, cases, 34);
}

TEST_CASE("winograd: input, weight and bias gradients match the GEMM path") {
  Generator gen(32);
  for (const auto& c : wino_cases()) {
    CAPTURE(c.name);
    for (const ConvPath path : {ConvPath::kWinograd, ConvPath::kWinograd4})
      for (DType dt : {kFloat64, kFloat32}) {
        CAPTURE(static_cast<int>(path));
        const Tensor x = randn(c.x, gen, dt), w = randn({c.o, c.x[1], 3, 3}, gen, dt);
        const Window2d win = window_of(c.pad);
        const Shape y = {c.x[0], c.o, c.x[2] + 2 * c.pad[0] - 2, c.x[3] + 2 * c.pad[1] - 2};
        const Tensor dy = randn(y, gen, dt);
        Conv2dGrads wino, gemm;
        {
          const ConvPathScope scope(path);
          REQUIRE(detail::use_winograd(x.shape(), w.shape(), win, 1));
          wino = conv2d_backward(dy, x, w, win, 1, true, true, c.bias);
        }
        {
          const ConvPathScope scope(ConvPath::kGemm);
          gemm = conv2d_backward(dy, x, w, win, 1, true, true, c.bias);
        }
        const double tol = dt == kFloat64 ? 1e-12 : 1e-5;
        check_close(wino.input, gemm.input, tol);
        check_close(wino.weight, gemm.weight, tol);
        if (c.bias) check_close(wino.bias, gemm.bias, tol);
        CHECK(wino.bias.defined() == c.bias);
        // Only the weight gradient (a first layer): the input gradient is not computed.
        const ConvPathScope scope(path);
        const Conv2dGrads only_w = conv2d_backward(dy, x, w, win, 1, false, true, false);
        CHECK_FALSE(only_w.input.defined());
        CHECK(bitwise_equal(only_w.weight, wino.weight));
      }
  }
}

TEST_CASE("winograd: chosen for 3x3 stride 1 with enough channels, direct with few, else GEMM") {
  const Window2d same{{3, 3}, {1, 1}, {1, 1}};
  CHECK(detail::use_winograd({64, 32, 14, 14}, {64, 32, 3, 3}, same, 1));
  CHECK_FALSE(detail::use_direct({64, 32, 14, 14}, {64, 32, 3, 3}, same, 1));
  CHECK_FALSE(detail::use_winograd({64, 1, 28, 28}, {32, 1, 3, 3}, same, 1));  // conv1
  CHECK(detail::use_direct({64, 1, 28, 28}, {32, 1, 3, 3}, same, 1));
  CHECK_FALSE(detail::use_direct({64, 1, 28, 28}, {32, 1, 3, 3}, {{3, 3}, {2, 2}, {1, 1}}, 1));
  CHECK_FALSE(detail::use_winograd({2, 32, 14, 14}, {64, 16, 3, 3}, same, 2));
  CHECK_FALSE(detail::use_winograd({2, 32, 14, 14}, {64, 32, 3, 3}, {{3, 3}, {2, 2}, {1, 1}}, 1));
  CHECK_FALSE(
      detail::use_winograd({2, 32, 14, 14}, {64, 32, 3, 3}, {{3, 3}, {1, 1}, {1, 1}, {2, 2}}, 1));
  CHECK_FALSE(detail::use_winograd({2, 32, 14, 14}, {64, 32, 3, 3}, {{3, 3}, {1, 1}, {3, 3}}, 1));
  CHECK_FALSE(detail::use_winograd({2, 32, 14, 14}, {64, 32, 5, 5}, {{5, 5}, {1, 1}, {2, 2}}, 1));
  // F(4x4, 3x3) where it multiplies less: conv2's 14x14 (16 tiles x 36 against 49 x 16), 7x7,
  // 14x7, 3x3; F(2x2, 3x3) on ties (6x6, 5x5: 4 x 36 against 9 x 16) and below.
  CHECK(detail::winograd_tile({14, 14}) == 4);
  CHECK(detail::winograd_tile({7, 7}) == 4);
  CHECK(detail::winograd_tile({14, 7}) == 4);
  CHECK(detail::winograd_tile({3, 3}) == 4);
  CHECK(detail::winograd_tile({6, 6}) == 2);
  CHECK(detail::winograd_tile({5, 5}) == 2);
  CHECK(detail::winograd_tile({2, 2}) == 2);
  CHECK(detail::winograd_tile({1, 9}) == 2);
  // The weight gradient's F(3x3, 4x4) only at <= 0.75x the multiplies: on 14x14 (0.73x), not
  // on 10x10 (0.81x).
  CHECK(detail::winograd_tile({14, 14}, true) == 4);
  CHECK(detail::winograd_tile({10, 10}, true) == 2);
  CHECK(detail::winograd_tile({28, 28}, true) == 4);
  CHECK(detail::winograd_tile({7, 7}, true) == 4);
  CHECK(detail::winograd_tile({3, 3}, true) == 4);
  CHECK(detail::winograd_tile({6, 6}, true) == 2);
  {
    const ConvPathScope scope(ConvPath::kWinograd);
    CHECK(detail::winograd_tile({14, 14}) == 2);
    CHECK(detail::winograd_tile({28, 28}, true) == 2);
  }
  {
    const ConvPathScope scope(ConvPath::kWinograd4);
    CHECK(detail::winograd_tile({3, 3}) == 4);
    CHECK(detail::winograd_tile({14, 14}, true) == 4);
    CHECK(detail::use_winograd({64, 1, 28, 28}, {32, 1, 3, 3}, same, 1));
    CHECK_FALSE(detail::use_direct({64, 1, 28, 28}, {32, 1, 3, 3}, same, 1));
  }
  const ConvPathScope scope(ConvPath::kGemm);
  CHECK_FALSE(detail::use_winograd({64, 32, 14, 14}, {64, 32, 3, 3}, same, 1));
  CHECK_FALSE(detail::use_direct({64, 1, 28, 28}, {32, 1, 3, 3}, same, 1));
}

TEST_CASE("winograd: bitwise the same on 1 and 2 threads") {
  // 37 samples of 30 tiles (F(2x2)): batches of 5, weight-gradient chunks of 5, so both run as
  // many tasks; F(4x4): 9 tiles, batches of 8 samples. 14x14 (F(4x4)'s 16 lanes where the CPU has
  // AVX-512): 9 samples in batches of 4 and weight-gradient chunks of 4.
  for (const Shape& xs : {Shape{37, 9, 11, 10}, Shape{9, 5, 14, 14}})
    for (const ConvPath path : {ConvPath::kWinograd, ConvPath::kWinograd4}) {
      CAPTURE(xs);
      CAPTURE(static_cast<int>(path));
      Generator gen(33);
      const Tensor x = randn(xs, gen), w = randn({10, xs[1], 3, 3}, gen);
      const Tensor b = randn({10}, gen), dy = randn({xs[0], 10, xs[2], xs[3]}, gen);
      const Window2d win{{3, 3}, {1, 1}, {1, 1}};
      const ConvPathScope scope(path);
      auto run = [&](int threads) {
        set_num_threads(threads);
        const Conv2dGrads g = conv2d_backward(dy, x, w, win, 1, true, true, true);
        return std::vector<Tensor>{conv2d_forward(x, w, b, win, 1), g.input, g.weight, g.bias};
      };
      const std::vector<Tensor> one = run(1), two = run(2);
      set_num_threads(0);
      for (std::size_t i = 0; i < one.size(); ++i) CHECK(bitwise_equal(one[i], two[i]));
    }
}

TEST_CASE("winograd4: float32 transforms 16 lanes wide agree with 8 lanes") {
  // With AVX-512 (minidl's own kernels on), F(4x4, 3x3)'s float32 transforms run 16 lanes wide
  // where rows of 4 or 8 tiles fill them (14- and 30-wide maps, whole groups of rows and one
  // short); blas::set_own_sgemm(false) takes them, and the products, back to 8 lanes and OpenBLAS.
  // The naive references above check whichever this CPU runs; this checks the two against each
  // other. Without AVX-512 both sides run 8 lanes.
  if (!blas::own_sgemm_enabled()) MESSAGE("no AVX-512 (or MINIDL_OWN_SGEMM=0): 8 lanes only");
  const bool was_on = blas::own_sgemm_enabled();
  Generator gen(37);
  struct Case {
    Shape x;
    std::int64_t o;
  };
  for (const Case& c : {Case{{5, 6, 14, 14}, 7}, Case{{3, 4, 10, 14}, 5}, Case{{2, 3, 9, 30}, 4}}) {
    CAPTURE(c.x);
    const Tensor x = randn(c.x, gen), w = randn({c.o, c.x[1], 3, 3}, gen), b = randn({c.o}, gen);
    const Tensor dy = randn({c.x[0], c.o, c.x[2], c.x[3]}, gen);
    const Window2d win = window_of({1, 1});
    const ConvPathScope scope(ConvPath::kWinograd4);
    auto run = [&](bool on) {
      blas::set_own_sgemm(on);
      const Conv2dGrads g = conv2d_backward(dy, x, w, win, 1, true, true, false);
      return std::vector<Tensor>{conv2d_forward(x, w, b, win, 1), g.input, g.weight};
    };
    const std::vector<Tensor> wide = run(true), narrow = run(false);
    for (std::size_t i = 0; i < wide.size(); ++i) check_close(wide[i], narrow[i], 1e-5);
  }
  blas::set_own_sgemm(was_on);
}

TEST_CASE("direct conv: bitwise the same on 1 and 2 threads") {
  // 1 -> 32 channels on 28x28: 0.23 M multiply-adds per sample, 9 samples per task.
  Generator gen(35);
  const Tensor x = randn({37, 1, 28, 28}, gen), w = randn({32, 1, 3, 3}, gen);
  const Tensor b = randn({32}, gen);
  const Window2d win{{3, 3}, {1, 1}, {1, 1}};
  REQUIRE(detail::use_direct(x.shape(), w.shape(), win, 1));
  set_num_threads(1);
  const Tensor one = conv2d_forward(x, w, b, win, 1);
  set_num_threads(2);
  const Tensor two = conv2d_forward(x, w, b, win, 1);
  set_num_threads(0);
  CHECK(bitwise_equal(one, two));
}
