// Tests for autograd/conv.cpp: conv2d, max_pool2d, avg_pool2d and global_avg_pool2d against the
// naive references (tensor/naive_conv.h) over many option combinations, gradchecks (first and
// second order), PyTorch fixtures (tests/fixtures/conv_ops.json, written by
// tests/fixtures/make_conv_fixtures.py), determinism and error messages.
#include "autograd/conv.h"

#include <doctest/doctest.h>

#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "tensor/naive_conv.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/random.h"
#include "tests/test_util.h"

using namespace minidl;
using minidl::testing::bitwise_equal;

namespace {

struct ConvCase {
  const char* name;
  Shape x, w;
  bool bias;
  Conv2dOptions o;
};

std::vector<ConvCase> conv_cases() {
  return {
      {"3x3", {2, 3, 6, 5}, {4, 3, 3, 3}, true, {}},
      {"3x3 pad 1", {2, 3, 6, 5}, {4, 3, 3, 3}, true, {.padding = {1, 1}}},
      {"stride 2 pad 1", {2, 2, 7, 7}, {3, 2, 3, 3}, false, {.stride = {2, 2}, .padding = {1, 1}}},
      {"non-square kernel, stride, pad, dilation",
       {1, 2, 7, 8},
       {3, 2, 3, 2},
       true,
       {.stride = {2, 1}, .padding = {1, 2}, .dilation = {2, 1}}},
      {"dilation 2", {2, 1, 9, 9}, {2, 1, 3, 3}, true, {.dilation = {2, 2}}},
      {"groups 2", {2, 4, 5, 5}, {6, 2, 3, 3}, true, {.padding = {1, 1}, .groups = 2}},
      {"groups 2, stride, dilation",
       {1, 4, 8, 7},
       {4, 2, 2, 3},
       false,
       {.stride = {2, 2}, .padding = {1, 0}, .dilation = {1, 2}, .groups = 2}},
      {"depthwise", {2, 3, 6, 6}, {3, 1, 3, 3}, true, {.padding = {1, 1}, .groups = 3}},
      {"depthwise multiplier 2",
       {1, 2, 5, 5},
       {4, 1, 3, 3},
       false,
       {.stride = {2, 2}, .padding = {1, 1}, .groups = 2}},
      {"1x1", {3, 4, 4, 3}, {5, 4, 1, 1}, true, {}},
      {"batch 1", {1, 3, 5, 5}, {2, 3, 3, 3}, true, {.padding = {1, 1}}},
      // tensor/conv_gemm.cpp takes samples in blocks of ceil(256 / L): 6 at L = 49, so 11 samples
      // are a full block and a partial one; at L = 16 a block of 16 holds 20 samples' first 16.
      {"4x4 stride 2, batch not divisible by the block",
       {11, 3, 14, 14},
       {5, 3, 4, 4},
       true,
       {.stride = {2, 2}, .padding = {1, 1}}},
      {"groups 2, 4x4 stride 2, a partial block",
       {20, 4, 8, 8},
       {6, 2, 4, 4},
       true,
       {.stride = {2, 2}, .padding = {1, 1}, .groups = 2}},
      {"1x1 on a small map, batch 9", {9, 4, 3, 3}, {5, 4, 1, 1}, false, {}},
      {"kernel as large as the padded input",
       {2, 2, 3, 3},
       {2, 2, 5, 5},
       true,
       {.padding = {1, 1}}},
  };
}

struct PoolCase {
  const char* name;
  Shape x;
  Pool2dOptions o;
};

std::vector<PoolCase> pool_cases() {
  return {
      {"2x2 default stride", {2, 3, 6, 6}, {}},
      {"2x2 odd size", {1, 2, 5, 7}, {}},
      {"2x2 odd size ceil", {1, 2, 5, 7}, {.ceil_mode = true}},
      {"3x3 stride 2 pad 1",
       {2, 2, 7, 6},
       {.kernel_size = {3, 3}, .stride = {2, 2}, .padding = {1, 1}}},
      {"3x3 stride 2 pad 1 ceil",
       {1, 2, 6, 6},
       {.kernel_size = {3, 3}, .stride = {2, 2}, .padding = {1, 1}, .ceil_mode = true}},
      {"2x3 stride 1", {2, 1, 5, 6}, {.kernel_size = {2, 3}, .stride = {1, 1}}},
      {"3x2 stride 2x1 pad 1x1",
       {1, 3, 7, 5},
       {.kernel_size = {3, 2}, .stride = {2, 1}, .padding = {1, 1}}},
      {"4x4 stride 3 pad 2 ceil",
       {1, 1, 9, 10},
       {.kernel_size = {4, 4}, .stride = {3, 3}, .padding = {2, 2}, .ceil_mode = true}},
  };
}

Variable leaf(const Shape& s, Generator& gen, DType dt = kFloat64) {
  return Variable(randn(s, gen, dt), true);
}

Window2d window_of(const Pool2dOptions& o) {
  const Pair stride = o.stride == Pair{0, 0} ? o.kernel_size : o.stride;
  return {o.kernel_size, stride, o.padding, o.dilation, o.ceil_mode};
}

}  // namespace

TEST_CASE("conv2d: forward matches the direct 7-loop convolution") {
  Generator gen(21);
  for (const auto& c : conv_cases()) {
    CAPTURE(c.name);
    for (DType dt : {kFloat64, kFloat32}) {
      Variable x = leaf(c.x, gen, dt), w = leaf(c.w, gen, dt);
      Variable b = c.bias ? leaf({c.w[0]}, gen, dt) : Variable();
      Tensor want = naive::conv2d(x.value(), w.value(), b.defined() ? b.value() : Tensor(),
                                  c.o.stride, c.o.padding, c.o.dilation, c.o.groups);
      const double tol = dt == kFloat64 ? 1e-12 : 1e-5;
      CHECK_TENSOR_CLOSE(conv2d(x, w, b, c.o).value(), want, tol, tol);
    }
  }
}

TEST_CASE("conv2d: the fused backward matches the composed one on awkward shapes") {
  // conv2d is one op with its own kernels (tensor/conv_gemm.cpp); conv2d_composed is the same
  // function built from unfold2d / matmul / permute, whose pieces are checked against the naive
  // references. Every case, both dtypes, with and without the input's gradient (a first layer).
  Generator gen(26);
  for (const auto& c : conv_cases()) {
    CAPTURE(c.name);
    for (DType dt : {kFloat64, kFloat32}) {
      for (bool input_grad : {true, false}) {
        CAPTURE(input_grad);
        Variable x(randn(c.x, gen, dt), input_grad), w = leaf(c.w, gen, dt);
        Variable b = c.bias ? leaf({c.w[0]}, gen, dt) : Variable();
        std::vector<Variable> wrt = {w};
        if (input_grad) wrt.push_back(x);
        if (c.bias) wrt.push_back(b);
        const Variable y = conv2d(x, w, b, c.o), yc = conv2d_composed(x, w, b, c.o);
        REQUIRE(y.shape() == yc.shape());
        const Variable dy(randn(y.shape(), gen, dt));
        const auto g = grad({y}, wrt, {.grad_outputs = {dy}});
        const auto gc = grad({yc}, wrt, {.grad_outputs = {dy}});
        const double tol = dt == kFloat64 ? 1e-12 : 1e-5;
        CHECK_TENSOR_CLOSE(y.value(), yc.value(), tol, tol);
        for (std::size_t i = 0; i < g.size(); ++i)
          CHECK_TENSOR_CLOSE(g[i].value(), gc[i].value(), tol, tol);
      }
    }
  }
}

TEST_CASE("conv2d: gradcheck w.r.t. input, weight and bias") {
  Generator gen(22);
  const std::vector<ConvCase> cases = {
      {"stride, pad, dilation, groups 2",
       {2, 4, 5, 6},
       {4, 2, 2, 3},
       true,
       {.stride = {2, 1}, .padding = {1, 1}, .dilation = {1, 2}, .groups = 2}},
      {"depthwise pad 1", {1, 3, 4, 4}, {3, 1, 3, 3}, true, {.padding = {1, 1}, .groups = 3}},
      {"1x1 no bias batch 1", {1, 3, 3, 2}, {2, 3, 1, 1}, false, {}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    std::vector<Variable> in = {leaf(c.x, gen), leaf(c.w, gen)};
    if (c.bias) in.push_back(leaf({c.w[0]}, gen));
    const Conv2dOptions o = c.o;
    VariableFn f = [o](const std::vector<Variable>& v) {
      return std::vector<Variable>{conv2d(v[0], v[1], v.size() > 2 ? v[2] : Variable(), o)};
    };
    GradcheckResult r = gradcheck(f, in);
    CHECK_MESSAGE(r.ok, r.message);
  }
}

TEST_CASE("conv2d: gradgradcheck (second order, as WGAN-GP needs)") {
  Generator gen(23);
  std::vector<Variable> in = {leaf({1, 2, 4, 4}, gen), leaf({2, 1, 2, 2}, gen), leaf({2}, gen)};
  VariableFn f = [](const std::vector<Variable>& v) {
    return std::vector<Variable>{
        conv2d(v[0], v[1], v[2], {.stride = {2, 1}, .padding = {1, 0}, .groups = 2})};
  };
  GradcheckResult r = gradgradcheck(f, in);
  CHECK_MESSAGE(r.ok, r.message);
}

TEST_CASE("conv2d: gradgradcheck with dilation, no bias, 1x1 and a constant input") {
  // The fused op's backward switches to the composed primitives under create_graph; each case
  // takes another of its branches (groups, pointwise, an input that needs no gradient).
  Generator gen(27);
  struct Case {
    const char* name;
    Shape x, w;
    bool bias, input_grad;
    Conv2dOptions o;
  };
  const std::vector<Case> cases = {
      {"dilation 2 pad 2",
       {2, 2, 5, 5},
       {2, 2, 3, 3},
       false,
       true,
       {.padding = {2, 2}, .dilation = {2, 2}}},
      {"1x1 with bias", {2, 3, 3, 2}, {2, 3, 1, 1}, true, true, {}},
      {"constant input",
       {1, 2, 4, 3},
       {3, 2, 2, 2},
       true,
       false,
       {.stride = {1, 2}, .padding = {1, 1}}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    Variable x = c.input_grad ? leaf(c.x, gen) : Variable(randn(c.x, gen, kFloat64));
    std::vector<Variable> in = {leaf(c.w, gen)};
    if (c.bias) in.push_back(leaf({c.w[0]}, gen));
    if (c.input_grad) in.push_back(x);
    const Conv2dOptions o = c.o;
    const bool bias = c.bias, input_grad = c.input_grad;
    VariableFn f = [o, bias, input_grad, x](const std::vector<Variable>& v) {
      const Variable& xi = input_grad ? v.back() : x;
      return std::vector<Variable>{conv2d(xi, v[0], bias ? v[1] : Variable(), o)};
    };
    GradcheckResult r = gradgradcheck(f, in);
    CHECK_MESSAGE(r.ok, r.message);
  }
}

TEST_CASE("conv2d: bitwise the same on 1 and 2 threads, forward and backward") {
  // 16 samples of 64 x 144 x 256 multiply-adds: the fused kernels cut them into several chunks
  // (tensor/conv_gemm.cpp), so the weight and bias gradients are sums of per-chunk partials.
  Generator gen(24);
  Tensor x = randn({16, 16, 16, 16}, gen), w = randn({64, 16, 3, 3}, gen), b = randn({64}, gen);
  auto run = [&](int threads) {
    set_num_threads(threads);
    Variable xv(x, true), wv(w, true), bv(b, true);
    Variable y = conv2d(xv, wv, bv, {.padding = {1, 1}});
    backward(sum(mul(y, y)));
    return std::vector<Tensor>{y.value(), xv.grad().value(), wv.grad().value(), bv.grad().value()};
  };
  const std::vector<Tensor> one = run(1), two = run(2);
  set_num_threads(0);
  for (std::size_t i = 0; i < one.size(); ++i) CHECK(bitwise_equal(one[i], two[i]));
}

TEST_CASE("conv2d: DCGAN's 4x4 stride-2 layers over several chunks of sample blocks") {
  // The discriminator's second conv (32 -> 64, 14x14 -> 7x7, L = 49) at batch 20: blocks of 6
  // samples, backward chunks of 6 (6 + 6 + 6 + 2), so the weight gradient sums blocks within a
  // chunk and partials across chunks. Against the composed convolution, and the same bits on 1
  // and 2 threads.
  Generator gen(27);
  const Conv2dOptions o{.stride = {2, 2}, .padding = {1, 1}};
  Tensor x = randn({20, 32, 14, 14}, gen), w = randn({64, 32, 4, 4}, gen), b = randn({64}, gen);
  const Tensor dy = randn({20, 64, 7, 7}, gen);
  auto run = [&](int threads, bool composed) {
    set_num_threads(threads);
    Variable xv(x, true), wv(w, true), bv(b, true);
    Variable y = composed ? conv2d_composed(xv, wv, bv, o) : conv2d(xv, wv, bv, o);
    const auto g = grad({y}, {xv, wv, bv}, {.grad_outputs = {Variable(dy)}});
    return std::vector<Tensor>{y.value(), g[0].value(), g[1].value(), g[2].value()};
  };
  const std::vector<Tensor> one = run(1, false), two = run(2, false), ref = run(1, true);
  set_num_threads(0);
  for (std::size_t i = 0; i < one.size(); ++i) {
    CAPTURE(i);
    CHECK(bitwise_equal(one[i], two[i]));
    CHECK_TENSOR_CLOSE(one[i], ref[i], 1e-4, 1e-4);
  }
}

TEST_CASE("max_pool2d: forward matches the naive reference") {
  Generator gen(25);
  std::vector<PoolCase> cases = pool_cases();
  cases.push_back({"3x3 dilation 2x1 pad 1 ceil",
                   {1, 2, 9, 8},
                   {.kernel_size = {3, 3},
                    .stride = {2, 2},
                    .padding = {1, 1},
                    .dilation = {2, 1},
                    .ceil_mode = true}});
  for (const auto& c : cases) {
    CAPTURE(c.name);
    for (DType dt : {kFloat64, kFloat32}) {
      Variable x = leaf(c.x, gen, dt);
      CHECK(bitwise_equal(max_pool2d(x, c.o).value(),
                          naive::max_pool2d(x.value(), window_of(c.o)).first));
    }
  }
}

TEST_CASE("max_pool2d: the gradient goes to the first maximum of each window") {
  // Every window of a constant image ties; PyTorch sends the whole gradient to its first pixel.
  Variable x(ones({1, 1, 4, 4}, kFloat64), true);
  backward(sum(max_pool2d(x, {.kernel_size = {2, 2}, .stride = {1, 1}})));
  CHECK(x.grad().value().to_vector() ==
        std::vector<double>{1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 0});
}

TEST_CASE("max_pool2d: gradcheck with padding, dilation and ceil_mode") {
  Generator gen(26);
  std::vector<Variable> in = {leaf({2, 2, 5, 7}, gen)};
  VariableFn f = [](const std::vector<Variable>& v) {
    return std::vector<Variable>{max_pool2d(v[0], {.kernel_size = {3, 2},
                                                   .stride = {2, 2},
                                                   .padding = {1, 1},
                                                   .dilation = {1, 2},
                                                   .ceil_mode = true})};
  };
  GradcheckResult r = gradcheck(f, in);
  CHECK_MESSAGE(r.ok, r.message);
  // Under create_graph the backward rebuilds int64 indices from the tape's byte offsets for
  // scatter_add: the same gradient as the plain kernel, and differentiable in g.
  GradcheckResult rr = gradgradcheck(f, in);
  CHECK_MESSAGE(rr.ok, rr.message);
  const Variable y = f(in)[0];
  const Variable dy(randn(y.shape(), gen, kFloat64));
  const GradOptions plain{.grad_outputs = {dy}, .retain_graph = true};
  const GradOptions graph{.grad_outputs = {dy}, .retain_graph = true, .create_graph = true};
  CHECK(bitwise_equal(grad({y}, in, plain)[0].value(), grad({y}, in, graph)[0].value()));
}

TEST_CASE("avg_pool2d: forward matches the naive reference with and without count_include_pad") {
  Generator gen(27);
  for (const auto& c : pool_cases()) {
    for (bool include : {true, false}) {
      CAPTURE(c.name);
      CAPTURE(include);
      Pool2dOptions o = c.o;
      o.count_include_pad = include;
      Variable x = leaf(c.x, gen);
      CHECK_TENSOR_CLOSE(avg_pool2d(x, o).value(),
                         naive::avg_pool2d(x.value(), window_of(o), include), 1e-13, 1e-13);
    }
  }
}

TEST_CASE("avg_pool2d: gradcheck and gradgradcheck with padding and ceil_mode") {
  Generator gen(28);
  for (bool include : {true, false}) {
    CAPTURE(include);
    std::vector<Variable> in = {leaf({2, 2, 5, 6}, gen)};
    VariableFn f = [include](const std::vector<Variable>& v) {
      return std::vector<Variable>{avg_pool2d(v[0], {.kernel_size = {3, 2},
                                                     .stride = {2, 2},
                                                     .padding = {1, 1},
                                                     .ceil_mode = true,
                                                     .count_include_pad = include})};
    };
    GradcheckResult r = gradcheck(f, in);
    CHECK_MESSAGE(r.ok, r.message);
    GradcheckResult rr = gradgradcheck(f, in);
    CHECK_MESSAGE(rr.ok, rr.message);
  }
}

TEST_CASE("global_avg_pool2d: the mean over H and W, with its gradient") {
  Generator gen(29);
  Variable x = leaf({2, 3, 4, 5}, gen);
  CHECK_TENSOR_CLOSE(global_avg_pool2d(x).value(), mean(x.value(), {2, 3}), 1e-15, 1e-15);
  VariableFn f = [](const std::vector<Variable>& v) {
    return std::vector<Variable>{global_avg_pool2d(v[0])};
  };
  GradcheckResult r = gradcheck(f, {x});
  CHECK_MESSAGE(r.ok, r.message);
}

TEST_CASE("conv2d: errors name the op and the values") {
  Variable x(zeros({1, 3, 5, 5})), w(zeros({2, 4, 3, 3}));
  CHECK_THROWS_WITH_AS(conv2d(x, w), "conv2d: input has 3 channels but weight expects 4 (groups 1)",
                       Error);
  CHECK_THROWS_WITH_AS(conv2d(Variable(zeros({3, 5, 5})), w),
                       "conv2d: input must be [N, C, H, W], got shape [3,5,5]", Error);
  CHECK_THROWS_WITH_AS(conv2d(x, Variable(zeros({2, 3, 3}))),
                       "conv2d: weight must be [C_out, C_in / groups, kH, kW], got shape [2,3,3]",
                       Error);
  CHECK_THROWS_WITH_AS(conv2d(x, Variable(zeros({2, 1, 3, 3})), Variable(), {.groups = 2}),
                       "conv2d: input channels 3 not divisible by groups 2", Error);
  CHECK_THROWS_WITH_AS(conv2d(Variable(zeros({1, 4, 5, 5})), Variable(zeros({3, 2, 3, 3})),
                              Variable(), {.groups = 2}),
                       "conv2d: output channels 3 not divisible by groups 2", Error);
  CHECK_THROWS_WITH_AS(conv2d(Variable(zeros({1, 1, 3, 3})), Variable(zeros({1, 1, 5, 5}))),
                       "conv2d: kernel 5x5 (dilation 1x1) is larger than the padded input 3x3",
                       Error);
  CHECK_THROWS_WITH_AS(conv2d(Variable(zeros({1, 1, 5, 5})), Variable(zeros({1, 1, 3, 3})),
                              Variable(), {.dilation = {3, 1}}),
                       "conv2d: kernel 3x3 (dilation 3x1) is larger than the padded input 5x5",
                       Error);
  CHECK_THROWS_WITH_AS(conv2d(x, Variable(zeros({2, 3, 3, 3})), Variable(zeros({3}))),
                       "conv2d: bias shape [3] does not match 2 output channels", Error);
  CHECK_THROWS_WITH_AS(conv2d(x, Variable(zeros({2, 3, 3, 3}, kFloat64))),
                       "conv2d: dtype mismatch, input float32 vs weight float64", Error);
  CHECK_THROWS_WITH_AS(conv2d(x, Variable(zeros({2, 3, 3, 3})), Variable(), {.stride = {0, 1}}),
                       "conv2d: stride must be >= 1, got 0x1", Error);
  CHECK_THROWS_WITH_AS(conv2d(x, Variable(zeros({2, 3, 3, 3})), Variable(), {.groups = 0}),
                       "conv2d: groups must be >= 1, got 0", Error);
}

TEST_CASE("max_pool2d: errors name the op and the values") {
  Variable x(zeros({1, 2, 4, 4}));
  CHECK_THROWS_WITH_AS(max_pool2d(x, {.kernel_size = {2, 2}, .padding = {2, 1}}),
                       "max_pool2d: padding 2x1 must be at most half the kernel size 2x2", Error);
  CHECK_THROWS_WITH_AS(max_pool2d(x, {.kernel_size = {5, 2}}),
                       doctest::Contains("max_pool2d: output size 0x2 is too small: input 4x4"),
                       Error);
  CHECK_THROWS_WITH_AS(max_pool2d(Variable(zeros({2, 4, 4}))),
                       "max_pool2d: input must be [N, C, H, W], got shape [2,4,4]", Error);
  CHECK_THROWS_WITH_AS(avg_pool2d(x, {.dilation = {2, 1}}),
                       "avg_pool2d: dilation is not supported (max pooling only), got 2x1", Error);
  CHECK_THROWS_WITH_AS(avg_pool2d(x, {.kernel_size = {0, 2}}),
                       "avg_pool2d: kernel size must be >= 1, got 0x2", Error);
  CHECK_THROWS_WITH_AS(global_avg_pool2d(Variable(zeros({2, 4}))),
                       "global_avg_pool2d: input must be [N, C, H, W], got shape [2,4]", Error);
}

// ---- PyTorch fixtures

namespace {

using nlohmann::json;

Tensor from_json(const json& j) {
  return from_vector(j.at("data").get<std::vector<double>>(), j.at("shape").get<Shape>());
}

Pair pair_of(const json& p, const char* key) {
  const auto v = p.at(key).get<std::vector<std::int64_t>>();
  REQUIRE(v.size() == 2);
  return {v[0], v[1]};
}

Variable run_case(const std::string& op, const json& p, const std::vector<Variable>& in) {
  if (op == "conv2d") {
    const Conv2dOptions o{pair_of(p, "stride"), pair_of(p, "padding"), pair_of(p, "dilation"),
                          p.at("groups").get<std::int64_t>()};
    return conv2d(in.at(0), in.at(1), in.size() > 2 ? in[2] : Variable(), o);
  }
  if (op == "global_avg_pool2d") return global_avg_pool2d(in.at(0));
  Pool2dOptions o;
  o.kernel_size = pair_of(p, "kernel_size");
  o.stride = pair_of(p, "stride");
  o.padding = pair_of(p, "padding");
  o.ceil_mode = p.at("ceil_mode").get<bool>();
  if (op == "max_pool2d") {
    o.dilation = pair_of(p, "dilation");
    return max_pool2d(in.at(0), o);
  }
  REQUIRE(op == "avg_pool2d");
  o.count_include_pad = p.at("count_include_pad").get<bool>();
  return avg_pool2d(in.at(0), o);
}

}  // namespace

TEST_CASE("conv: forward and gradients match PyTorch fixtures") {
  std::ifstream file(std::string(MINIDL_FIXTURE_DIR) + "/conv_ops.json");
  REQUIRE_MESSAGE(file.good(), "missing tests/fixtures/conv_ops.json");
  const json cases = json::parse(file);
  REQUIRE(cases.size() >= 10);
  for (const auto& c : cases) {
    const std::string name = c.at("name").get<std::string>();
    CAPTURE(name);
    std::vector<Variable> in;
    for (const auto& i : c.at("inputs")) in.emplace_back(from_json(i), true);
    Variable out = run_case(c.at("op").get<std::string>(), c.at("params"), in);
    CHECK_TENSOR_CLOSE(out.value(), from_json(c.at("output")), 1e-10, 1e-12);
    Variable loss = sum(mul(out, Variable(from_json(c.at("weights")))));
    const std::vector<Variable> grads = grad({loss}, in);
    for (std::size_t k = 0; k < in.size(); ++k) {
      CAPTURE(k);
      CHECK_TENSOR_CLOSE(grads[k].value(), from_json(c.at("grads").at(k)), 1e-10, 1e-12);
    }
  }
}
