// The gradcheck table: one row per primitive in autograd/ops.h (float64, randomly weighted sum of
// outputs, central differences, 1e-6 relative tolerance), and gradgradcheck for the ops whose
// backward is used inside other gradients. Composites (autograd/functional.h) get rows too, since
// their correctness rests on how the primitives compose.
#include "autograd/ops.h"

#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/profiler.h"
#include "autograd/tape.h"
#include "tensor/ops.h"
#include "tensor/random.h"

namespace minidl {
namespace {

// How an input is drawn: normal, positive (for log, sqrt, pow bases), or away from zero (kinks).
enum class Draw { kNormal, kPositive, kAwayFromZero };

struct InputSpec {
  Shape shape;
  Draw draw = Draw::kNormal;
};

struct Row {
  std::string name;
  std::vector<InputSpec> inputs;
  std::function<Variable(const std::vector<Variable>&)> fn;
  bool gradgrad = false;
  GradcheckOptions options = {};
};

std::vector<Variable> make_inputs(const std::vector<InputSpec>& specs, std::uint64_t seed) {
  Generator gen(seed);
  std::vector<Variable> vs;
  for (const auto& s : specs) {
    Tensor t = randn(s.shape, gen, kFloat64);
    if (s.draw == Draw::kPositive) t = add(abs(t), 0.5);
    if (s.draw == Draw::kAwayFromZero) t = add(t, mul(sign(t), 0.3));
    vs.emplace_back(t, true);
  }
  return vs;
}

// 1-D int64 indices, or with an explicit shape.
Tensor idx(std::vector<std::int64_t> v) { return from_vector(v); }
Tensor idx(std::vector<std::int64_t> v, Shape shape) { return from_vector(v, std::move(shape)); }

const std::vector<Row>& primitive_rows() {
  using V = std::vector<Variable>;
  static const std::vector<Row> rows = {
      {"add", {{{3, 4}}, {{4}}}, [](const V& v) { return add(v[0], v[1]); }, true},
      {"sub", {{{2, 1, 3}}, {{4, 3}}}, [](const V& v) { return sub(v[0], v[1]); }, true},
      {"mul", {{{3, 4}}, {{3, 1}}}, [](const V& v) { return mul(v[0], v[1]); }, true},
      {"div", {{{3, 4}}, {{4}, Draw::kPositive}}, [](const V& v) { return div(v[0], v[1]); }, true},
      {"pow",
       {{{3, 4}, Draw::kPositive}, {{3, 4}}},
       [](const V& v) { return pow(v[0], v[1]); },
       true},
      {"add_scalar", {{{2, 3}}}, [](const V& v) { return add_scalar(v[0], -0.7); }, true},
      {"mul_scalar", {{{2, 3}}}, [](const V& v) { return mul_scalar(v[0], 2.5); }, true},
      {"neg", {{{5}}}, [](const V& v) { return neg(v[0]); }, true},
      {"exp", {{{2, 3}}}, [](const V& v) { return exp(v[0]); }, true},
      {"log", {{{2, 3}, Draw::kPositive}}, [](const V& v) { return log(v[0]); }, true},
      {"log1p", {{{2, 3}, Draw::kPositive}}, [](const V& v) { return log1p(v[0]); }, true},
      {"expm1", {{{2, 3}}}, [](const V& v) { return expm1(v[0]); }, true},
      {"sqrt", {{{2, 3}, Draw::kPositive}}, [](const V& v) { return sqrt(v[0]); }, true},
      {"erf", {{{2, 3}}}, [](const V& v) { return erf(v[0]); }, true},
      {"atan", {{{2, 3}}}, [](const V& v) { return atan(v[0]); }, true},
      {"sin", {{{2, 3}}}, [](const V& v) { return sin(v[0]); }, true},
      {"cos", {{{2, 3}}}, [](const V& v) { return cos(v[0]); }, true},
      {"tanh", {{{2, 3}}}, [](const V& v) { return tanh(v[0]); }, true},
      {"sigmoid", {{{2, 3}}}, [](const V& v) { return sigmoid(v[0]); }, true},
      {"softplus", {{{3, 4}}}, [](const V& v) { return softplus(v[0]); }, true},
      {"relu", {{{3, 4}, Draw::kAwayFromZero}}, [](const V& v) { return relu(v[0]); }, true},
      {"abs", {{{3, 4}, Draw::kAwayFromZero}}, [](const V& v) { return abs(v[0]); }, true},
      {"where",
       {{{3, 4}}, {{4}}},
       [](const V& v) { return where(gt(v[0].value(), 0.0), v[0], v[1]); },
       true},
      {"clamp",
       {{{4, 5}, Draw::kAwayFromZero}},
       [](const V& v) { return clamp(v[0], -0.2, 0.9); },
       true},
      // A float32 round trip is a staircase with 6e-8 steps: difference over a wide step instead.
      {"to",
       {{{3}}},
       [](const V& v) { return to(to(v[0], kFloat32), kFloat64); },
       false,
       {.eps = 1e-2, .rtol = 1e-4}},
      {"sum",
       {{{3, 4, 2}}},
       [](const V& v) {
         return sum(v[0], {0, 2}, false);
       },
       true},
      {"amax", {{{3, 5}}}, [](const V& v) { return amax(v[0], {1}, true); }, true},
      {"softmax", {{{3, 5}}}, [](const V& v) { return softmax(v[0], 1); }, true},
      {"log_softmax", {{{3, 5}}}, [](const V& v) { return log_softmax(v[0], 0); }, true},
      {"reshape",
       {{{3, 4}}},
       [](const V& v) {
         return reshape(v[0], {2, 6});
       },
       true},
      {"permute",
       {{{2, 3, 4}}},
       [](const V& v) {
         return permute(v[0], {2, 0, 1});
       },
       true},
      {"expand",
       {{{3, 1}}},
       [](const V& v) {
         return expand(v[0], {2, 3, 4});
       },
       true},
      {"slice", {{{6, 3}}}, [](const V& v) { return slice(v[0], 0, 1, 5, 1); }, true},
      {"slice_step", {{{7, 3}}}, [](const V& v) { return slice(v[0], 0, -6, 7, 2); }, true},
      {"concat",
       {{{2, 3}}, {{4, 3}}},
       [](const V& v) {
         return concat({v[0], v[1]}, 0);
       },
       true},
      {"pad",
       {{{2, 3}}},
       [](const V& v) {
         return pad(v[0], {1, 2, 0, 1}, 0.5);
       },
       true},
      {"flip",
       {{{2, 3, 2}}},
       [](const V& v) {
         return flip(v[0], {0, 2});
       },
       true},
      {"index_select",
       {{{4, 3}}},
       [](const V& v) {
         return index_select(v[0], 0, idx({3, 0, 3, 1}));
       },
       true},
      {"index_add",
       {{{4, 3}}, {{3, 3}}},
       [](const V& v) {
         return index_add(v[0], 0, idx({1, 1, 3}), v[1]);
       },
       true},
      {"gather",
       {{{3, 4}}},
       [](const V& v) {
         return gather(v[0], 1, idx({0, 3, 3, 1, 2, 2}, {3, 2}));
       },
       true},
      {"scatter_add",
       {{{3, 4}}, {{3, 2}}},
       [](const V& v) {
         return scatter_add(v[0], 1, idx({0, 0, 3, 1, 2, 2}, {3, 2}), v[1]);
       },
       true},
      {"matmul", {{{3, 4}}, {{4, 2}}}, [](const V& v) { return matmul(v[0], v[1]); }, true},
      {"matmul_ta",
       {{{4, 3}}, {{4, 2}}},
       [](const V& v) { return matmul(v[0], v[1], true, false); },
       true},
      {"matmul_tb",
       {{{3, 4}}, {{2, 4}}},
       [](const V& v) { return matmul(v[0], v[1], false, true); },
       true},
      {"matmul_tab",
       {{{4, 3}}, {{2, 4}}},
       [](const V& v) { return matmul(v[0], v[1], true, true); },
       true},
      {"matmul_batched",
       {{{2, 1, 3, 4}}, {{3, 4, 2}}},
       [](const V& v) { return matmul(v[0], v[1]); },
       true},
      {"matmul_vec", {{{4}}, {{4, 2}}}, [](const V& v) { return matmul(v[0], v[1]); }, true},
      {"matmul_dot", {{{4}}, {{4}}}, [](const V& v) { return matmul(v[0], v[1]); }, true},
      {"addmm",
       {{{2}}, {{3, 4}}, {{2, 4}}},
       [](const V& v) { return addmm(v[0], v[1], v[2], false, true); },
       true},
      {"addmm_ta_col_bias",
       {{{3, 1}}, {{4, 3}}, {{4, 2}}},
       [](const V& v) { return addmm(v[0], v[1], v[2], true, false); },
       true},
      // Some pre-activations fall below 0, so the gate is hit (none lands within the step of 0).
      {"addmm_relu",
       {{{2}}, {{3, 4}}, {{2, 4}}},
       [](const V& v) { return addmm_relu(v[0], v[1], v[2], false, true); },
       true},
      {"addmm_relu_ta_col_bias",
       {{{3, 1}}, {{4, 3}}, {{4, 2}}},
       [](const V& v) { return addmm_relu(v[0], v[1], v[2], true, false); },
       true},
      // Non-square kernel, stride, padding and dilation, so overlaps and padding are both hit.
      {"unfold2d",
       {{{2, 3, 5, 4}}},
       [](const V& v) {
         return unfold2d(v[0], {{2, 3}, {2, 1}, {1, 1}, {1, 2}, false});
       },
       true},
      // cols [2*2*3, 2*L] for 2 channels, batch 2, image 4x5: L = 4 x 2 positions.
      {"fold2d",
       {{{12, 16}}},
       [](const V& v) {
         return fold2d(v[0], {4, 5}, {{2, 3}, {1, 2}, {1, 0}, {2, 1}, false});
       },
       true},
      // x [2, 4, 5, 6], weight [4, 2, 2, 3] in 2 groups, bias; stride, padding and dilation. The
      // second order runs the backward composed from the primitives above (create_graph).
      {"conv2d",
       {{{2, 4, 5, 6}}, {{4, 2, 2, 3}}, {{4}}},
       [](const V& v) {
         return conv2d_fused(v[0], v[1], v[2], {{2, 3}, {2, 1}, {1, 1}, {1, 2}, false}, 2);
       },
       true},
      // 3x2 windows, stride 2x1, padding, dilation, ceil_mode: overlapping and clipped windows.
      {"max_pool2d",
       {{{2, 2, 6, 5}}},
       [](const V& v) {
         return max_pool2d_fused(v[0], {{3, 2}, {2, 1}, {1, 1}, {1, 2}, true});
       },
       true},
      // The CNN's 2x2 stride-2 pooling on rows of 16 and more windows (the 8-window blocks).
      {"max_pool2d_2x2",
       {{{1, 2, 4, 34}}},
       [](const V& v) {
         return max_pool2d_fused(v[0], {{2, 2}, {2, 2}, {0, 0}, {1, 1}, false});
       },
       true},
      {"leaky_relu",
       {{{3, 4}, Draw::kAwayFromZero}},
       [](const V& v) { return leaky_relu(v[0], 0.1); },
       true},
      // Batch statistics over [N, C, L] (runs of L = 5 per channel); the second order runs the
      // composed backward (create_graph).
      {"batch_norm",
       {{{3, 2, 5}}, {{2}}, {{2}}},
       [](const V& v) { return batch_norm_fused(v[0], v[1], v[2], Tensor(), Tensor(), 1e-5); },
       true},
      // [N, C] (a block of columns per task), no affine parameters.
      {"batch_norm_rows",
       {{{4, 3}}},
       [](const V& v) {
         return batch_norm_fused(v[0], Variable(), Variable(), Tensor(), Tensor(), 1e-5);
       },
       true},
      // Given statistics (eval mode): linear in x.
      {"batch_norm_given",
       {{{2, 3, 2, 2}}, {{3}}, {{3}}},
       [](const V& v) {
         return batch_norm_fused(v[0], v[1], v[2], tensor({0.5, -1.0, 2.0}, kFloat64),
                                 tensor({1.5, 0.25, 3.0}, kFloat64), 1e-5);
       },
       true},
  };
  return rows;
}

const std::vector<Row>& composite_rows() {
  using V = std::vector<Variable>;
  static const std::vector<Row> rows = {
      {"mean", {{{3, 4}}}, [](const V& v) { return mean(v[0], {1}); }, true},
      {"var", {{{3, 4}}}, [](const V& v) { return var(v[0], {0}, 1, true); }, true},
      {"std", {{{3, 4}}}, [](const V& v) { return std(v[0]); }, false},
      {"amin", {{{3, 4}}}, [](const V& v) { return amin(v[0], {0}); }, false},
      {"max", {{{3, 4}}}, [](const V& v) { return max(v[0], 1).first; }, false},
      {"min", {{{3, 4}}}, [](const V& v) { return min(v[0], 0, true).first; }, false},
      {"logsumexp", {{{3, 4}}}, [](const V& v) { return logsumexp(v[0], {1}); }, true},
      {"norm1",
       {{{3, 4}, Draw::kAwayFromZero}},
       [](const V& v) { return norm(v[0], 1.0, {1}); },
       false},
      {"norm2", {{{3, 4}}}, [](const V& v) { return norm(v[0], 2.0, {1}); }, true},
      {"norm_inf",
       {{{3, 4}}},
       [](const V& v) { return norm(v[0], std::numeric_limits<double>::infinity()); },
       false},
      {"square", {{{3}}}, [](const V& v) { return square(v[0]); }, true},
      {"rsqrt", {{{3}, Draw::kPositive}}, [](const V& v) { return rsqrt(v[0]); }, true},
      {"maximum", {{{3, 4}}, {{4}}}, [](const V& v) { return maximum(v[0], v[1]); }, false},
      {"minimum", {{{3, 4}}, {{3, 4}}}, [](const V& v) { return minimum(v[0], v[1]); }, false},
      {"elu", {{{3, 4}, Draw::kAwayFromZero}}, [](const V& v) { return elu(v[0], 0.7); }, true},
      {"gelu", {{{3, 4}}}, [](const V& v) { return gelu(v[0]); }, true},
      {"silu", {{{3, 4}}}, [](const V& v) { return silu(v[0]); }, true},
      {"log_sigmoid", {{{3, 4}}}, [](const V& v) { return log_sigmoid(v[0]); }, false},
      {"transpose", {{{2, 3, 4}}}, [](const V& v) { return transpose(v[0], 0, 2); }, false},
      {"squeeze_unsqueeze",
       {{{3, 1, 2}}},
       [](const V& v) { return unsqueeze(squeeze(v[0], 1), 0); },
       false},
      {"flatten", {{{2, 3, 4}}}, [](const V& v) { return flatten(v[0], 1); }, false},
      {"narrow", {{{5, 3}}}, [](const V& v) { return narrow(v[0], 1, 1, 2); }, false},
      {"stack",
       {{{2, 3}}, {{2, 3}}},
       [](const V& v) {
         return stack({v[0], v[1]}, 1);
       },
       false},
      {"split", {{{5, 3}}}, [](const V& v) { return split(v[0], 2, 0)[1]; }, false},
      {"chunk", {{{5, 3}}}, [](const V& v) { return chunk(v[0], 2, 0)[1]; }, false},
      {"sum_to",
       {{{2, 3, 4}}},
       [](const V& v) {
         return sum_to(v[0], {3, 1});
       },
       false},
      {"masked_fill",
       {{{3, 4}}},
       [](const V& v) { return masked_fill(v[0], gt(v[0].value(), 0.5), 2.0); },
       false},
      {"scalar_ops",
       {{{3}, Draw::kPositive}},
       [](const V& v) { return (2.0 - v[0]) * 3.0 / (1.0 + v[0]) + pow(v[0], 1.5) - 1.0 / v[0]; },
       true},
  };
  return rows;
}

void check_rows(const std::vector<Row>& rows) {
  std::uint64_t seed = 1;
  for (const auto& row : rows) {
    CAPTURE(row.name);
    std::vector<Variable> in = make_inputs(row.inputs, seed++);
    VariableFn f = [&row](const std::vector<Variable>& v) {
      return std::vector<Variable>{row.fn(v)};
    };
    GradcheckResult r = gradcheck(f, in, row.options);
    CHECK_MESSAGE(r.ok, row.name, ": ", r.message);
    if (row.gradgrad) {
      GradcheckResult rr = gradgradcheck(f, in, row.options);
      CHECK_MESSAGE(rr.ok, row.name, " (second order): ", rr.message);
    }
  }
}

}  // namespace

TEST_CASE("ops: gradcheck passes for every primitive") { check_rows(primitive_rows()); }

TEST_CASE("ops: gradcheck passes for the composites") { check_rows(composite_rows()); }

TEST_CASE("ops: every primitive in autograd/ops.h has a gradcheck row") {
  // The op names the tape records for each primitive; a new primitive without a row fails here.
  const std::vector<std::string> recorded = {
      "add",    "sub",         "mul",         "div",      "pow",          "neg",
      "exp",    "add_scalar",  "mul_scalar",  "log",      "log1p",        "expm1",
      "sqrt",   "erf",         "sin",         "cos",      "tanh",         "sigmoid",
      "relu",   "abs",         "where",       "clamp",    "to",           "sum",
      "amax",   "softmax",     "log_softmax", "reshape",  "permute",      "expand",
      "slice",  "concat",      "pad",         "flip",     "index_select", "index_add",
      "gather", "scatter_add", "matmul",      "unfold2d", "fold2d",       "atan",
      "conv2d", "max_pool2d",  "batch_norm",  "softplus", "addmm",        "addmm_relu"};
  for (const auto& op : recorded) {
    bool found = false;
    for (const auto& row : primitive_rows()) found = found || row.name == op;
    CHECK_MESSAGE(found, "no gradcheck row for primitive ", op);
  }
}

TEST_CASE("ops: every primitive is timed by the profiler (its OpTimer) and run by its backward") {
  // A primitive whose function lacks `const detail::OpTimer timer;` is still counted by record(),
  // but as untimed; its backward must show up as one backward event of the same name.
  for (const auto& row : primitive_rows()) {
    CAPTURE(row.name);
    std::vector<Variable> inputs = make_inputs(row.inputs, 5);
    Profiler prof;
    Variable out = row.fn(inputs);
    backward(out, Variable(ones_like(out.value())));
    const ProfileReport rep = prof.report();
    // Row names carry variants ("matmul_ta"); the op recorded is a prefix of it.
    bool found = false;
    for (const auto& r : rep.rows) {
      CHECK_MESSAGE(r.untimed == 0, r.name, " is untimed");
      if (r.kind != ProfileKind::kForward || row.name.rfind(r.name, 0) != 0) continue;
      found = true;
      CHECK(rep.calls(r.name, ProfileKind::kBackward) >= 1);
    }
    CHECK(found);
  }
}

TEST_CASE("ops: gradcheck catches a wrong backward") {
  // A deliberately wrong op: forward x^2, backward claims 3x. gradcheck must fail and say where.
  VariableFn bad = [](const std::vector<Variable>& v) {
    return std::vector<Variable>{
        record("bad_square", minidl::mul(v[0].value(), v[0].value()), {v[0]},
               [](const std::vector<Variable>& in, const Variable&, const Variable& g) {
                 return std::vector<Variable>{mul(g, mul(in[0], 3.0))};
               })};
  };
  Generator gen(3);
  GradcheckResult r = gradcheck(bad, {Variable(randn({4}, gen, kFloat64), true)});
  CHECK_FALSE(r.ok);
  CHECK(r.message.find("input 0") != std::string::npos);
}

TEST_CASE("ops: gradcheck rejects float32 inputs") {
  VariableFn f = [](const std::vector<Variable>& v) { return std::vector<Variable>{exp(v[0])}; };
  CHECK_THROWS_WITH_AS(gradcheck(f, {Variable(ones({2}), true)}), doctest::Contains("float64"),
                       minidl::Error);
}

}  // namespace minidl

namespace minidl {
namespace {

TEST_CASE("functional: softplus and log_sigmoid have derivative sigmoid at exactly 0") {
  const Variable x(from_vector(std::vector<double>{0.0, 0.0}), true);
  const Variable y = sum(softplus(x));
  CHECK(y.item() == doctest::Approx(2 * std::log(2.0)));
  const std::vector<Variable> g = grad({y}, {x});
  CHECK(g[0].value().to_vector() == std::vector<double>({0.5, 0.5}));
  const Variable x2(from_vector(std::vector<double>{0.0}), true);
  const std::vector<Variable> g2 = grad({sum(log_sigmoid(x2))}, {x2});
  CHECK(g2[0].value().to_vector() == std::vector<double>({0.5}));
}

}  // namespace
}  // namespace minidl
