// The tape of a two-layer MLP's forward pass and loss: the op sequence, the module scopes fc1 /
// fc2 and the loss scope, the parameters' dotted names and which inputs require grad.
#include <doctest/doctest.h>

#include "autograd/functional.h"
#include "autograd/graph.h"
#include "autograd/scope.h"
#include "autograd/tape.h"
#include "losses/classification.h"
#include "nn/linear.h"
#include "nn/sequential.h"
#include "optim/sgd.h"
#include "tensor/ops.h"
#include "tensor/random.h"
#include "train/fit.h"

namespace minidl {
namespace {

class Mlp : public nn::Module {
 public:
  explicit Mlp(Generator& gen) : Module("Mlp") {
    fc1_ = register_module("fc1", std::make_shared<nn::Linear>(6, 5, gen));
    fc2_ = register_module("fc2", std::make_shared<nn::Linear>(5, 3, gen));
  }
  Variable forward(const Variable& x) override { return (*fc2_)(relu((*fc1_)(x))); }

 private:
  std::shared_ptr<nn::Linear> fc1_, fc2_;
};

std::vector<TapeNode> nodes_since(std::size_t before) {
  std::vector<TapeNode> nodes = tape_nodes();
  nodes.erase(nodes.begin(), nodes.begin() + static_cast<std::ptrdiff_t>(before));
  return nodes;
}

}  // namespace

TEST_CASE("tape: a two-layer MLP and its loss record fc1, fc2 and loss nodes in order") {
  Generator gen(3);
  Mlp model(gen);
  Variable x(randn({4, 6}, gen));
  Variable y(tensor({0, 2, 1, 0}, kInt64));
  const std::size_t before = tape_nodes().size();
  Variable logits = model(x);
  Variable loss;
  {
    NameScope scope("loss");
    loss = losses::cross_entropy(logits, y);
  }
  const std::vector<TapeNode> nodes = nodes_since(before);
  REQUIRE(nodes.size() >= 4);
  // fc1: addmm (bias + x W^T, PyTorch's F.linear); relu at the model's top level; fc2: addmm;
  // then the loss.
  CHECK(nodes[0].op == "addmm");
  CHECK(nodes[0].scope == "fc1");
  CHECK(nodes[0].attributes == "trans_b");
  CHECK(nodes[1].op == "relu");
  CHECK(nodes[1].scope.empty());
  CHECK(nodes[2].op == "addmm");
  CHECK(nodes[2].scope == "fc2");
  CHECK(nodes[2].shape == Shape{4, 3});
  for (std::size_t i = 3; i < nodes.size(); ++i) CHECK(nodes[i].scope == "loss");
  CHECK(nodes[3].op == "log_softmax");
  CHECK(nodes.back().shape == Shape{});

  // Inputs (bias, x, W): the data requires no grad; the parameters do and carry their dotted
  // names.
  REQUIRE(nodes[0].inputs.size() == 3);
  CHECK(nodes[0].inputs[0].name == "fc1.bias");
  CHECK(nodes[0].inputs[0].requires_grad);
  CHECK_FALSE(nodes[0].inputs[1].requires_grad);
  CHECK(nodes[0].inputs[1].name.empty());
  CHECK(nodes[0].inputs[2].name == "fc1.weight");
  CHECK(nodes[0].inputs[2].shape == Shape{5, 6});
  CHECK(nodes[0].inputs[2].requires_grad);
  CHECK(nodes[1].inputs[0].producer == static_cast<std::int64_t>(nodes[0].seq));
  CHECK(nodes[2].inputs[1].producer == static_cast<std::int64_t>(nodes[1].seq));
  CHECK(nodes[2].inputs[0].name == "fc2.bias");
  CHECK(nodes[2].inputs[2].name == "fc2.weight");

  // The DOT export boxes the same three groups.
  const std::string dot = graph_to_dot(loss, {.backward = true});
  for (const char* c : {"cluster_fc1 {", "cluster_fc2 {", "cluster_loss {"})
    CHECK(dot.find(c) != std::string::npos);
  backward(loss);
}

TEST_CASE("tape: Sequential children scope as their indices, nested modules as dotted paths") {
  Generator gen(4);
  auto inner = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(3, 3, gen));
  nn::Sequential model(std::make_shared<nn::Linear>(2, 3, gen), inner);
  CHECK(model.name().empty());
  CHECK(inner->name() == "1");
  const std::size_t before = tape_nodes().size();
  Variable out = model(Variable(ones({1, 2})));
  const std::vector<TapeNode> nodes = nodes_since(before);
  REQUIRE(nodes.size() == 2);  // one addmm per Linear
  CHECK(nodes[0].scope == "0");
  CHECK(nodes[1].scope == "1.0");
  CHECK(nodes[1].inputs[2].name == "1.0.weight");
}

TEST_CASE("tape: fit calls the loss inside NameScope(\"loss\") and the model in the module's") {
  Generator gen(5);
  Mlp model(gen);
  optim::SGD opt(model.parameters(), {.lr = 0.01});
  data::DataLoader loader(randn({8, 6}, gen), tensor({0, 1, 2, 0, 1, 2, 0, 1}, kInt64),
                          {.batch_size = 4});
  std::vector<std::string> scopes, loss_ops;
  auto loss_fn = [&](const Variable& out, const Tensor& t) {
    scopes.emplace_back(current_scope());
    Variable l = losses::cross_entropy(out, Variable(t));
    loss_ops.emplace_back(l.grad_fn()->scope);
    return l;
  };
  train::fit(model, opt, loader, {.epochs = 1, .loss_fn = loss_fn, .metrics = {}, .verbose = 0});
  CHECK(scopes == std::vector<std::string>{"loss", "loss"});
  CHECK(loss_ops == std::vector<std::string>{"loss", "loss"});
  CHECK(std::string(current_scope()).empty());  // popped again
}

}  // namespace minidl
