// Tests for conv_transpose2d (autograd/conv.h): PyTorch fixtures (tests/fixtures/gan_layers.json,
// written by tests/fixtures/make_gan_layer_fixtures.py), the adjoint identity with conv2d, a value
// by hand, gradchecks for input, weight and bias, a gradgradcheck, the fused op against the
// composed reference, determinism across thread counts and the error messages.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograd/conv.h"
#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/random.h"
#include "tests/test_util.h"

using namespace minidl;

namespace {

using minidl::testing::bitwise_equal;
using nlohmann::json;

Variable leaf(const Shape& s, Generator& gen) { return Variable(randn(s, gen, kFloat64), true); }

Tensor from_json(const json& j) {
  return from_vector(j.at("data").get<std::vector<double>>(), j.at("shape").get<Shape>());
}

Pair pair_of(const json& p, const char* key) {
  const auto v = p.at(key).get<std::vector<std::int64_t>>();
  REQUIRE(v.size() == 2);
  return {v[0], v[1]};
}

json fixture_ops(const std::string& op) {
  std::ifstream file(std::string(MINIDL_FIXTURE_DIR) + "/gan_layers.json");
  REQUIRE_MESSAGE(file.good(), "missing tests/fixtures/gan_layers.json");
  json out = json::array();
  const json all = json::parse(file);
  for (const json& c : all.at("ops"))
    if (c.at("op") == op) out.push_back(c);
  return out;
}

}  // namespace

TEST_CASE("conv_transpose2d: forward and gradients match PyTorch fixtures") {
  const json cases = fixture_ops("conv_transpose2d");
  REQUIRE(cases.size() >= 5);
  for (const json& c : cases) {
    const std::string name = c.at("name").get<std::string>();
    CAPTURE(name);
    const json& p = c.at("params");
    const ConvTranspose2dOptions o{pair_of(p, "stride"), pair_of(p, "padding"),
                                   pair_of(p, "output_padding"), pair_of(p, "dilation"),
                                   p.at("groups").get<std::int64_t>()};
    std::vector<Variable> in;
    for (const json& i : c.at("inputs")) in.emplace_back(from_json(i), true);
    Variable out = conv_transpose2d(in.at(0), in.at(1), in.size() > 2 ? in[2] : Variable(), o);
    CHECK_TENSOR_CLOSE(out.value(), from_json(c.at("output")), 1e-10, 1e-12);
    Variable loss = sum(mul(out, Variable(from_json(c.at("weights")))));
    const std::vector<Variable> grads = grad({loss}, in);
    for (std::size_t k = 0; k < in.size(); ++k) {
      CAPTURE(k);
      CHECK_TENSOR_CLOSE(grads[k].value(), from_json(c.at("grads").at(k)), 1e-10, 1e-12);
    }
  }
}

TEST_CASE(
    "conv_transpose2d: the adjoint of conv2d, <conv2d(y, w), x> = <y, conv_transpose2d(x, w)>") {
  Generator gen(31);
  struct Row {
    const char* name;
    Shape y, w;
    ConvTranspose2dOptions o;
  };
  // y is conv2d's input (conv_transpose2d's output); the weight is read by both as [C, O/G, ..]
  // vs [O, C/G, ..] with C and O swapped, which is the same tensor.
  const Row rows[] = {
      {"plain", {2, 3, 6, 5}, {2, 3, 3, 3}, {}},
      {"stride 2 pad 1", {1, 2, 7, 8}, {4, 2, 3, 3}, {.stride = {2, 2}, .padding = {1, 1}}},
      {"dilation, groups",
       {2, 4, 9, 7},
       {4, 2, 2, 3},
       {.stride = {2, 1}, .padding = {1, 1}, .dilation = {2, 2}, .groups = 2}},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    Tensor y = randn(r.y, gen, kFloat64), w = randn(r.w, gen, kFloat64);
    const Conv2dOptions co{r.o.stride, r.o.padding, r.o.dilation, r.o.groups};
    Tensor cy = conv2d(Variable(y), Variable(w), Variable(), co).value();
    Tensor x = randn(cy.shape(), gen, kFloat64);
    ConvTranspose2dOptions to = r.o;
    // The output_padding that gives back y's exact size.
    Tensor tx = conv_transpose2d(Variable(x), Variable(w), Variable(), to).value();
    to.output_padding = {r.y[2] - tx.size(2), r.y[3] - tx.size(3)};
    tx = conv_transpose2d(Variable(x), Variable(w), Variable(), to).value();
    REQUIRE(tx.shape() == y.shape());
    const double lhs = sum(mul(cy, x)).item(), rhs = sum(mul(y, tx)).item();
    CHECK(lhs == doctest::Approx(rhs).epsilon(1e-12));
  }
}

TEST_CASE("conv_transpose2d: a 2x2 kernel, stride 2, by hand") {
  // Each input pixel stamps its value times the kernel on its own 2x2 block.
  Variable x(tensor({{{{1.0, 2.0}, {3.0, 4.0}}}}));
  Variable w(tensor({{{{1.0, 10.0}, {100.0, 1000.0}}}}));
  Variable b(tensor({0.5}));
  Tensor want = tensor({{{{1.5, 10.5, 2.5, 20.5},
                          {100.5, 1000.5, 200.5, 2000.5},
                          {3.5, 30.5, 4.5, 40.5},
                          {300.5, 3000.5, 400.5, 4000.5}}}});
  CHECK_TENSOR_CLOSE(conv_transpose2d(x, w, b, {.stride = {2, 2}}).value(), want);
  // output_padding adds a last row and column holding only the bias.
  Tensor padded = conv_transpose2d(x, w, b, {.stride = {2, 2}, .output_padding = {1, 1}}).value();
  CHECK(padded.shape() == Shape{1, 1, 5, 5});
  CHECK(padded.at(4 * 5 + 2) == 0.5);
  CHECK(padded.at(1 * 5 + 4) == 0.5);
}

TEST_CASE("conv_transpose2d: gradcheck w.r.t. input, weight and bias") {
  Generator gen(32);
  struct Row {
    const char* name;
    Shape x, w;
    bool bias;
    ConvTranspose2dOptions o;
  };
  const Row rows[] = {
      {"stride 2, output_padding 1",
       {2, 2, 3, 3},
       {2, 3, 3, 3},
       true,
       {.stride = {2, 2}, .padding = {1, 1}, .output_padding = {1, 1}}},
      {"dilation 2, output_padding below dilation",
       {1, 2, 3, 2},
       {2, 1, 2, 3},
       true,
       {.padding = {1, 0}, .output_padding = {1, 1}, .dilation = {2, 2}}},
      {"groups 2, rect stride, no bias",
       {2, 4, 2, 3},
       {4, 2, 3, 2},
       false,
       {.stride = {1, 2}, .output_padding = {0, 1}, .groups = 2}},
      // 8x8 inputs: the per-sample backward kernels (smaller planes take whole-batch GEMMs).
      {"8x8, stride 2", {2, 1, 8, 8}, {1, 2, 3, 3}, true, {.stride = {2, 2}, .padding = {1, 1}}},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    std::vector<Variable> in = {leaf(r.x, gen), leaf(r.w, gen)};
    if (r.bias) in.push_back(leaf({r.w[1] * r.o.groups}, gen));
    const ConvTranspose2dOptions o = r.o;
    VariableFn f = [o](const std::vector<Variable>& v) {
      return std::vector<Variable>{
          conv_transpose2d(v[0], v[1], v.size() > 2 ? v[2] : Variable(), o)};
    };
    GradcheckResult g = gradcheck(f, in);
    CHECK_MESSAGE(g.ok, g.message);
  }
}

TEST_CASE("conv_transpose2d: gradgradcheck (second order, for penalties through a generator)") {
  Generator gen(33);
  std::vector<Variable> in = {leaf({1, 2, 2, 3}, gen), leaf({2, 2, 3, 2}, gen), leaf({4}, gen)};
  VariableFn f = [](const std::vector<Variable>& v) {
    return std::vector<Variable>{conv_transpose2d(
        v[0], v[1], v[2],
        {.stride = {2, 1}, .padding = {1, 0}, .output_padding = {1, 0}, .groups = 2})};
  };
  GradcheckResult g = gradgradcheck(f, in);
  CHECK_MESSAGE(g.ok, g.message);
}

TEST_CASE("conv_transpose2d: the fused op matches the composed one on every case") {
  // conv_transpose2d runs conv2d's kernels backwards (tensor/conv_gemm.cpp) when output_padding <
  // stride; conv_transpose2d_composed is matmul + fold2d. Every shape of the tests above plus the
  // DCGAN layers, a pointwise one and one sample; both dtypes, with and without the input's
  // gradient (the generator's first layer has none). The output_padding >= stride rows take the
  // composition in both and check that the dispatch keeps them right.
  Generator gen(34);
  struct Row {
    const char* name;
    Shape x, w;
    bool bias;
    ConvTranspose2dOptions o;
  };
  const Row rows[] = {
      {"plain", {2, 2, 4, 3}, {2, 3, 3, 3}, true, {}},
      {"stride 2 pad 1", {1, 4, 3, 4}, {4, 2, 3, 3}, false, {.stride = {2, 2}, .padding = {1, 1}}},
      {"dilation, groups, rect stride",
       {2, 4, 4, 3},
       {4, 2, 2, 3},
       true,
       {.stride = {2, 1}, .padding = {1, 1}, .dilation = {2, 2}, .groups = 2}},
      {"stride 2, output_padding 1",
       {2, 2, 3, 3},
       {2, 3, 3, 3},
       true,
       {.stride = {2, 2}, .padding = {1, 1}, .output_padding = {1, 1}}},
      {"dilation 2, output_padding below dilation (composed)",
       {1, 2, 3, 2},
       {2, 1, 2, 3},
       true,
       {.padding = {1, 0}, .output_padding = {1, 1}, .dilation = {2, 2}}},
      {"groups 2, rect stride, no bias",
       {2, 4, 2, 3},
       {4, 2, 3, 2},
       false,
       {.stride = {1, 2}, .output_padding = {0, 1}, .groups = 2}},
      {"gradgradcheck's",
       {1, 2, 2, 3},
       {2, 2, 3, 2},
       true,
       {.stride = {2, 1}, .padding = {1, 0}, .output_padding = {1, 0}, .groups = 2}},
      {"DCGAN 7 -> 14", {3, 16, 7, 7}, {16, 8, 4, 4}, true, {.stride = {2, 2}, .padding = {1, 1}}},
      {"DCGAN 1 -> 7", {5, 8, 1, 1}, {8, 4, 7, 7}, false, {}},
      {"8x8: per-sample backward",
       {2, 3, 8, 8},
       {3, 2, 3, 3},
       true,
       {.stride = {2, 2}, .padding = {1, 1}, .output_padding = {1, 1}}},
      {"pointwise", {2, 3, 3, 2}, {3, 5, 1, 1}, true, {}},
      {"empty batch", {0, 2, 3, 3}, {2, 3, 3, 3}, true, {.stride = {2, 2}}},
      {"2x2 stride 2", {1, 1, 2, 2}, {1, 1, 2, 2}, true, {.stride = {2, 2}}},
      {"1x1 stride 2 with output_padding",
       {2, 2, 3, 3},
       {2, 2, 1, 1},
       true,
       {.stride = {2, 2}, .output_padding = {1, 1}}},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    for (DType dt : {kFloat64, kFloat32}) {
      for (bool input_grad : {true, false}) {
        CAPTURE(input_grad);
        Variable x(randn(r.x, gen, dt), input_grad), w(randn(r.w, gen, dt), true);
        Variable b = r.bias ? Variable(randn({r.w[1] * r.o.groups}, gen, dt), true) : Variable();
        std::vector<Variable> wrt = {w};
        if (input_grad) wrt.push_back(x);
        if (r.bias) wrt.push_back(b);
        const Variable y = conv_transpose2d(x, w, b, r.o);
        const Variable yc = conv_transpose2d_composed(x, w, b, r.o);
        REQUIRE(y.shape() == yc.shape());
        const Variable dy(randn(y.shape(), gen, dt));
        const auto g = grad({y}, wrt, {.grad_outputs = {dy}});
        const auto gc = grad({yc}, wrt, {.grad_outputs = {dy}});
        const double tol = dt == kFloat64 ? 1e-12 : 1e-5;
        CHECK_TENSOR_CLOSE(y.value(), yc.value(), tol, tol);
        for (std::size_t i = 0; i < g.size(); ++i) {
          CAPTURE(i);
          CHECK_TENSOR_CLOSE(g[i].value(), gc[i].value(), tol, tol);
        }
      }
    }
  }
}

TEST_CASE("conv_transpose2d: bitwise the same on 1 and 2 threads, forward and backward") {
  // 16 samples of a DCGAN layer (32 -> 16 channels, 4x4 stride 2): the forward runs in chunks of
  // samples; at 8x8 the weight gradient is a sum of per-chunk partials (tensor/conv_gemm.cpp), at
  // 7x7 the backward is one whole-batch GEMM each (autograd/conv_ops.cpp, kSmallPlane).
  Generator gen(35);
  for (std::int64_t hw : {8, 7}) {
    CAPTURE(hw);
    Tensor x = randn({16, 32, hw, hw}, gen), w = randn({32, 16, 4, 4}, gen), b = randn({16}, gen);
    auto run = [&](int threads) {
      set_num_threads(threads);
      Variable xv(x, true), wv(w, true), bv(b, true);
      Variable y = conv_transpose2d(xv, wv, bv, {.stride = {2, 2}, .padding = {1, 1}});
      backward(sum(mul(y, y)));
      return std::vector<Tensor>{y.value(), xv.grad().value(), wv.grad().value(),
                                 bv.grad().value()};
    };
    const std::vector<Tensor> one = run(1), two = run(2);
    set_num_threads(0);
    for (std::size_t i = 0; i < one.size(); ++i) {
      CAPTURE(i);
      CHECK(bitwise_equal(one[i], two[i]));
    }
  }
}

TEST_CASE("conv_transpose2d: errors name the op and the values") {
  Variable x(zeros({1, 4, 3, 3})), w(zeros({4, 2, 3, 3}));
  CHECK_THROWS_WITH_AS(
      conv_transpose2d(x, w, Variable(), {.stride = {2, 2}, .output_padding = {2, 0}}),
      "conv_transpose2d: output_padding 2x0 must be non-negative and smaller than either stride "
      "2x2 or dilation 1x1",
      Error);
  CHECK_THROWS_WITH_AS(
      conv_transpose2d(x, w, Variable(), {.output_padding = {0, 1}, .dilation = {1, 1}}),
      doctest::Contains("output_padding 0x1 must be non-negative and smaller"), Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, Variable(zeros({3, 2, 3, 3}))),
                       "conv_transpose2d: input has 4 channels but weight expects 3 (weight "
                       "[3,2,3,3])",
                       Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(Variable(zeros({1, 3, 3, 3})),
                                        Variable(zeros({3, 2, 3, 3})), Variable(), {.groups = 2}),
                       "conv_transpose2d: input channels 3 not divisible by groups 2", Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, w, Variable(), {.groups = 0}),
                       "conv_transpose2d: groups must be >= 1, got 0", Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, w, Variable(zeros({2})), {.groups = 2}),
                       "conv_transpose2d: bias shape [2] does not match 4 output channels", Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, w, Variable(zeros({3}))),
                       "conv_transpose2d: bias shape [3] does not match 2 output channels", Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, Variable(zeros({4, 2, 3}))),
                       "conv_transpose2d: weight must be [C_in, C_out / groups, kH, kW], got "
                       "shape [4,2,3]",
                       Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, Variable(zeros({4, 2, 3, 3}, kFloat64))),
                       "conv_transpose2d: dtype mismatch, input float32 vs weight float64", Error);
  CHECK_THROWS_WITH_AS(
      conv_transpose2d(Variable(zeros({1, 4, 1, 1})), Variable(zeros({4, 2, 1, 1})), Variable(),
                       {.padding = {1, 0}}),
      doctest::Contains("conv_transpose2d: output size -1x1 is too small"), Error);
}
