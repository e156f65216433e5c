// Module: names, registration rules, modes, gradients, dtype conversion, state dicts (strict and
// non-strict), generator states, repr and summary; Sequential and Flatten.
#include "nn/module.h"

#include <doctest/doctest.h>

#include "autograd/functional.h"
#include "autograd/tape.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/dropout.h"
#include "nn/flatten.h"
#include "nn/gradcheck_module.h"
#include "nn/layernorm.h"
#include "nn/linear.h"
#include "nn/sequential.h"
#include "tensor/ops.h"
#include "tests/test_util.h"

namespace minidl::nn {
namespace {

using Names = std::vector<std::string>;

Names names_of(const std::vector<std::pair<std::string, Variable>>& named) {
  Names out;
  for (const auto& [n, v] : named) out.push_back(n);
  return out;
}

// A user-defined model: its own parameter, registered after a child, still comes first
// (PyTorch's order: a module's own entries, then its children's).
class Block : public Module {
 public:
  explicit Block(Generator& gen) : Module("Block") {
    body_ = register_module(
        "body", std::make_shared<Sequential>(
                    std::make_shared<Linear>(3, 4, gen), std::make_shared<BatchNorm1d>(4),
                    std::make_shared<ReLU>(), std::make_shared<Dropout>(0.5, gen),
                    std::make_shared<Linear>(4, 2, gen)));
    scale_ = &register_parameter("scale", ones({2}));
  }
  Variable forward(const Variable& x) override { return mul((*body_)(x), *scale_); }

 private:
  std::shared_ptr<Sequential> body_;
  Variable* scale_;
};

TEST_CASE("module: dotted names in PyTorch's order") {
  Generator gen(1);
  Block block(gen);
  CHECK(names_of(block.named_parameters()) == Names{"scale", "body.0.weight", "body.0.bias",
                                                    "body.1.weight", "body.1.bias", "body.4.weight",
                                                    "body.4.bias"});
  Names buffers;
  for (auto& [n, t] : block.named_buffers()) buffers.push_back(n);
  CHECK(buffers ==
        Names{"body.1.running_mean", "body.1.running_var", "body.1.num_batches_tracked"});
  Names modules;
  for (auto& [n, m] : block.named_modules()) modules.push_back(n + ":" + m->type_name());
  CHECK(modules == Names{":Block", "body:Sequential", "body.0:Linear", "body.1:BatchNorm1d",
                         "body.2:ReLU", "body.3:Dropout", "body.4:Linear"});
  CHECK(block.num_parameters() == 2 + 3 * 4 + 4 + 4 + 4 + 4 * 2 + 2);
  // Parameters carry their dotted names for graph dumps.
  CHECK(block.parameter("body.4.bias").name() == "body.4.bias");
  CHECK(block.state_dict().size() == 10);
}

TEST_CASE("module: registration rejects bad and duplicate names") {
  Module m;
  m.register_parameter("w", zeros({2}));
  CHECK_THROWS_WITH_AS(m.register_buffer("w", zeros({2})), doctest::Contains("already taken"),
                       Error);
  CHECK_THROWS_WITH_AS(m.register_parameter("a.b", zeros({2})), doctest::Contains("no '.'"), Error);
  CHECK_THROWS_WITH_AS(m.register_parameter("i", zeros({2}, kInt64)),
                       doctest::Contains("must be floating"), Error);
  CHECK_THROWS_WITH_AS(m(Variable(zeros({1}))), doctest::Contains("no single-input forward"),
                       Error);
  CHECK_THROWS_WITH_AS(m.parameter("v"), doctest::Contains("parameters: w"), Error);
}

TEST_CASE("module: train and eval reach every descendant") {
  Generator gen(2);
  Block block(gen);
  CHECK(block.is_training());
  block.eval();
  for (auto& [n, m] : block.named_modules()) CHECK_FALSE(m->is_training());
  block.train();
  for (auto& [n, m] : block.named_modules()) CHECK(m->is_training());
}

TEST_CASE("module: zero_grad, requires_grad_ and trainable counts") {
  Generator gen(3);
  Linear fc(3, 2, gen);
  Variable loss = sum(fc(Variable(ones({4, 3}))));
  backward(loss);
  CHECK(fc.weight().grad().defined());
  fc.zero_grad();
  CHECK_FALSE(fc.weight().grad().defined());
  fc.requires_grad_(false);
  CHECK(fc.num_parameters(true) == 0);
  CHECK(fc.num_parameters() == 8);
}

TEST_CASE("module: to(float64) converts parameters and floating buffers only") {
  BatchNorm2d bn(3);
  bn.to(kFloat64);
  CHECK(bn.weight().dtype() == kFloat64);
  CHECK(bn.running_var().dtype() == kFloat64);
  for (auto& [n, t] : bn.named_buffers())
    if (n == "num_batches_tracked") CHECK(t.dtype() == kInt64);
  Variable y = bn(Variable(ones({2, 3, 2, 2}, kFloat64)));
  CHECK(y.dtype() == kFloat64);
}

TEST_CASE("module: state_dict is a snapshot and load_state_dict restores it") {
  Generator gen(4);
  Sequential a(std::make_shared<Linear>(3, 2, gen), std::make_shared<BatchNorm1d>(2));
  Sequential b(std::make_shared<Linear>(3, 2, gen), std::make_shared<BatchNorm1d>(2));
  StateDict snap = a.state_dict();
  a.parameter("0.weight").value().fill_(7.0);  // later updates do not reach the snapshot
  CHECK(snap.at("0.weight").at(0) != 7.0);
  LoadReport r = b.load_state_dict(snap);
  CHECK(r.ok());
  CHECK(r.loaded.size() == 7);
  CHECK(testing::bitwise_equal(b.parameter("0.weight").value(), snap.at("0.weight")));
}

TEST_CASE("module: strict load lists every problem and loads nothing") {
  Generator gen(5);
  Sequential m(std::make_shared<Linear>(3, 2, gen), std::make_shared<Linear>(2, 2, gen));
  StateDict s = m.state_dict();
  Tensor before = m.parameter("0.weight").value().clone();
  s.erase("1.bias");
  s["0.weight"] = zeros({3, 2});
  s["0.bias"] = zeros({2}, kFloat64);
  s["extra"] = zeros({1});
  s["1.weight"] = zeros({2, 2});
  std::string msg;
  try {
    m.load_state_dict(s);
  } catch (const Error& e) {
    msg = e.what();
  }
  CHECK(msg.find("missing keys (1): 1.bias") != std::string::npos);
  CHECK(msg.find("unexpected keys (1): extra") != std::string::npos);
  CHECK(msg.find("0.weight: float32 [3,2] in the state vs float32 [2,3] in the module") !=
        std::string::npos);
  CHECK(msg.find("0.bias: float64 [2] in the state vs float32 [2]") != std::string::npos);
  CHECK(testing::bitwise_equal(m.parameter("0.weight").value(), before));

  // Non-strict: the matching entry is loaded, the rest reported.
  LoadReport r = m.load_state_dict(s, false);
  CHECK_FALSE(r.ok());
  CHECK(r.loaded == Names{"1.weight"});
  CHECK(r.missing == Names{"1.bias"});
  CHECK(r.unexpected == Names{"extra"});
  CHECK(r.mismatched.size() == 2);
  CHECK(m.parameter("1.weight").value().at(0) == 0.0);
}

TEST_CASE("module: set_parameter ties weights and checks shapes") {
  Generator gen(6);
  Linear a(3, 3, gen), b(3, 3, gen);
  b.set_parameter("weight", a.weight());
  Variable x(ones({1, 3}));
  CHECK(testing::compare(matmul(x, a.weight(), false, true).value(),
                         matmul(x, b.weight(), false, true).value())
            .empty());
  CHECK(b.weight().impl() == a.weight().impl());
  CHECK_THROWS_WITH_AS(b.set_parameter("weight", Variable(zeros({2, 3}))),
                       doctest::Contains("needs float32 [3,3], got float32 [2,3]"), Error);
}

TEST_CASE("module: generator states round trip for an exact resume") {
  Generator gen(7);
  Sequential m(std::make_shared<Dropout>(0.5, gen), std::make_shared<Dropout>(0.5, gen));
  StateDict st = m.generator_states();
  CHECK(st.size() == 2);
  CHECK(st.count("0.generator") == 1);
  Variable x(ones({8}));
  Tensor first = m(x).value().clone();
  m.load_generator_states(st);
  CHECK(testing::bitwise_equal(m(x).value(), first));
  st.erase("1.generator");
  CHECK_THROWS_WITH_AS(m.load_generator_states(st),
                       doctest::Contains("missing keys (1): 1.generator"), Error);
}

// A layer whose weight never receives a gradient: gradcheck_module must see the difference
// between the analytic zero and the numeric slope, which proves the check really perturbs the
// parameter the forward pass reads.
class DetachedScale : public Module {
 public:
  DetachedScale() : Module("DetachedScale") { w_ = &register_parameter("w", full({3}, 2.0)); }
  Variable forward(const Variable& x) override { return mul(x, w_->detach()); }

 private:
  Variable* w_;
};

TEST_CASE("module: gradcheck_module checks parameters and restores them") {
  DetachedScale m;
  m.to(kFloat64);
  Variable before = m.parameter("w");
  Generator gen(12);
  GradcheckResult r = gradcheck_module(m, Variable(randn({2, 3}, gen, kFloat64), true));
  CHECK_FALSE(r.ok);
  CHECK(r.message.find("1 = w") != std::string::npos);
  CHECK(m.parameter("w").impl() == before.impl());
  CHECK(m.children().empty());
}

TEST_CASE("module: repr shows the tree with settings") {
  Generator gen(8);
  Sequential m(std::make_shared<Linear>(4, 2, gen), std::make_shared<ReLU>());
  CHECK(m.repr() ==
        "Sequential(\n  (0): Linear(in_features=4, out_features=2, bias=true)\n  (1): ReLU()\n)");
}

TEST_CASE("sequential: forward chains children, push_back names them, bounds checked") {
  Generator gen(9);
  Sequential m;
  CHECK(m(Variable(ones({2}))).numel() == 2);  // empty: identity
  m.push_back(std::make_shared<Flatten>()).push_back("head", std::make_shared<Linear>(6, 1, gen));
  CHECK(names_of(m.named_parameters()) == Names{"head.weight", "head.bias"});
  CHECK(m(Variable(ones({2, 3, 2}))).shape() == Shape{2, 1});
  CHECK(m.size() == 2);
  CHECK_THROWS_WITH_AS(m[2], doctest::Contains("index 2 is out of range for 2 layers"), Error);
  CHECK(std::dynamic_pointer_cast<Linear>(m[1]) != nullptr);
}

namespace {
// A Linear subclass (same forward): Sequential must not fuse it, as its forward could differ.
class MyLinear : public Linear {
 public:
  using Linear::Linear;
};
}  // namespace

TEST_CASE("sequential: a Linear followed by a ReLU is one addmm_relu node, with the same bits") {
  for (DType dt : {kFloat32, kFloat64}) {
    Generator gen(13);
    auto l0 = std::make_shared<Linear>(5, 8, gen), l2 = std::make_shared<Linear>(8, 8, gen);
    auto l4 = std::make_shared<Linear>(8, 3, gen);
    Sequential m(l0, std::make_shared<ReLU>(), l2, std::make_shared<ReLU>(), l4);
    m.to(dt);
    const Tensor x = randn({6, 5}, gen, dt), w = randn({6, 3}, gen, dt);
    auto grads = [&](const Variable& in, const Variable& out) {
      std::vector<Variable> wrt = m.parameters();
      wrt.push_back(in);
      return grad({sum(mul(out, Variable(w)))}, wrt);
    };
    const Variable xf(x.clone(), true);
    const std::size_t before = tape_nodes().size();
    const Variable fused = m(xf);
    std::vector<std::pair<std::string, std::string>> ops;
    const std::vector<TapeNode> nodes = tape_nodes();
    for (std::size_t i = before; i < nodes.size(); ++i)
      ops.emplace_back(nodes[i].op, nodes[i].scope);
    CHECK(ops == std::vector<std::pair<std::string, std::string>>{
                     {"addmm_relu", "0"}, {"addmm_relu", "2"}, {"addmm", "4"}});
    const std::vector<Variable> g_fused = grads(xf, fused);
    // The layers one by one: the values and every gradient keep their bits.
    const Variable xr(x.clone(), true);
    const Variable ref = (*l4)(relu((*l2)(relu((*l0)(xr)))));
    CHECK(testing::bitwise_equal(fused.value(), ref.value()));
    const std::vector<Variable> g_ref = grads(xr, ref);
    REQUIRE(g_fused.size() == g_ref.size());
    for (std::size_t i = 0; i < g_ref.size(); ++i)
      CHECK(testing::bitwise_equal(g_fused[i].value(), g_ref[i].value()));
    // Second order through the fused node (a gradient penalty's path): d/dW of |dy/dx|^2.
    auto penalty = [&](const Variable& out, const Variable& in) {
      const Variable gx = grad({sum(mul(out, Variable(w)))}, {in}, {.create_graph = true})[0];
      return grad({sum(mul(gx, gx))}, {l0->weight()})[0].value();
    };
    const Variable xf2(x.clone(), true), xr2(x.clone(), true);
    CHECK(testing::bitwise_equal(penalty(m(xf2), xf2),
                                 penalty((*l4)(relu((*l2)(relu((*l0)(xr2))))), xr2)));
  }
}

TEST_CASE("sequential: no fusion while a forward hook is set, or for a subclass of Linear") {
  Generator gen(14);
  Sequential m(std::make_shared<Linear>(4, 4, gen), std::make_shared<ReLU>(),
               std::make_shared<MyLinear>(4, 4, gen), std::make_shared<ReLU>());
  std::vector<std::string> seen;
  const ForwardHook old =
      set_forward_hook([&](Module& mod, const Variable&) { seen.push_back(mod.type_name()); });
  const Variable hooked = m(Variable(randn({3, 4}, gen)));
  set_forward_hook(old);
  // The hook sees every layer (ReLUs included) and the Sequential itself.
  CHECK(seen == std::vector<std::string>{"Linear", "ReLU", "Linear", "ReLU", "Sequential"});
  const std::size_t before = tape_nodes().size();
  const Variable x(randn({3, 4}, gen), true);
  const Variable out = m(x);
  std::vector<std::string> ops;
  const std::vector<TapeNode> nodes = tape_nodes();
  for (std::size_t i = before; i < nodes.size(); ++i) ops.push_back(nodes[i].op);
  CHECK(ops == std::vector<std::string>{"addmm_relu", "addmm", "relu"});
}

TEST_CASE("flatten: merges the given axes") {
  Flatten f;
  CHECK(f(Variable(ones({2, 3, 4, 5}))).shape() == Shape{2, 60});
  Flatten g(0, 1);
  CHECK(g(Variable(ones({2, 3, 4}))).shape() == Shape{6, 4});
  Generator gen(10);
  CHECK(gradcheck_module(f, Variable(randn({2, 2, 3}, gen, kFloat64), true)));
}

TEST_CASE("unflatten: splits one axis into sizes, inverse of flatten") {
  Unflatten u(1, {3, 4, 5});
  CHECK(u(Variable(ones({2, 60}))).shape() == Shape{2, 3, 4, 5});
  Unflatten last(-1, {2, -1});
  CHECK(last(Variable(ones({3, 7, 6}))).shape() == Shape{3, 7, 2, 3});
  Generator gen(12);
  const Tensor x = randn({2, 3, 4}, gen);
  Flatten f;
  Unflatten back(1, {3, 4});
  CHECK(testing::bitwise_equal(back(f(Variable(x))).value(), x));
  CHECK(u.extra_repr() == "dim=1, unflattened_size=[3,4,5]");
  CHECK_THROWS_WITH_AS(u(Variable(ones({2, 59}))),
                       doctest::Contains("Unflatten: sizes [3,4,5] do not split axis 1 of size 59"),
                       Error);
  CHECK_THROWS_WITH_AS(u(Variable(ones({2}))),
                       doctest::Contains("Unflatten: dim 1 is out of range"), Error);
  CHECK(gradcheck_module(back, Variable(randn({2, 12}, gen, kFloat64), true)));
}

TEST_CASE("module: summary of an MLP lists layers, shapes and parameter counts") {
  Generator gen(11);
  Sequential m(std::make_shared<Linear>(784, 256, gen), std::make_shared<BatchNorm1d>(256),
               std::make_shared<ReLU>(), std::make_shared<Dropout>(0.2, gen),
               std::make_shared<Linear>(256, 10, gen));
  m.parameter("4.bias").set_requires_grad(false);
  std::string s = m.summary({1, 784});
  CHECK(s.find("0 (Linear)") != std::string::npos);
  CHECK(s.find("[1, 256]") != std::string::npos);
  CHECK(s.find("200,960") != std::string::npos);  // 784 * 256 + 256
  CHECK(s.find("Total params: 204,042") != std::string::npos);
  CHECK(s.find("Trainable params: 204,032") != std::string::npos);
  CHECK(s.find("Non-trainable params: 10 (40.00 B)") == std::string::npos);
  CHECK(s.find("Non-trainable params: 10 (40 B)") != std::string::npos);
  CHECK(s.find("Buffers: 513 values") != std::string::npos);
  CHECK(s.find("Output: [1, 10]") != std::string::npos);
  // The pass ran in eval mode without touching state, and the training flags are back.
  CHECK(m.is_training());
  auto bn = std::dynamic_pointer_cast<BatchNorm1d>(m[1]);
  CHECK(bn->num_batches_tracked() == 0);
  CHECK(std::dynamic_pointer_cast<Dropout>(m[3])->generator().offset() == 0);
}

}  // namespace
}  // namespace minidl::nn
