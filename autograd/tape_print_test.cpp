// Reading the tape: name scopes, op attributes, tape_nodes / print_tape and the DOT options.
#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>

#include "autograd/functional.h"
#include "autograd/graph.h"
#include "autograd/scope.h"
#include "autograd/tape.h"
#include "tensor/ops.h"

namespace minidl {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + what.size())) ++n;
  return n;
}

// The node just recorded for v.
const Node& node(const Variable& v) {
  REQUIRE(v.grad_fn());
  return *v.grad_fn();
}

}  // namespace

TEST_CASE("scope: NameScope nests as a dotted path and pops on scope exit and on throw") {
  CHECK(std::string(current_scope()).empty());
  {
    NameScope a("encoder");
    CHECK(std::string(current_scope()) == "encoder");
    {
      NameScope b("fc2");
      CHECK(std::string(current_scope()) == "encoder.fc2");
      NameScope none("");  // pushes nothing
      CHECK(std::string(current_scope()) == "encoder.fc2");
    }
    CHECK(std::string(current_scope()) == "encoder");
    try {
      NameScope c("inner");
      throw std::runtime_error("x");
    } catch (const std::runtime_error&) {
    }
    CHECK(std::string(current_scope()) == "encoder");
  }
  CHECK(std::string(current_scope()).empty());
}

TEST_CASE("scope: a path is interned once, so nodes share one pointer and outlive the guard") {
  Variable x(ones({2}, kFloat64), true);
  Variable y, z;
  const char* first = nullptr;
  {
    NameScope s("loss");
    first = current_scope();
    y = mul(x, 2.0);
  }
  {
    NameScope s("loss");
    CHECK(current_scope() == first);
    z = exp(y);
  }
  Variable w = neg(z);  // top level
  CHECK(node(y).scope == first);
  CHECK(node(z).scope == first);
  CHECK(std::string(node(y).scope) == "loss");
  CHECK(std::string(node(w).scope).empty());
}

TEST_CASE("tape: ops record their attributes, and only when they record a node") {
  Variable a(ones({4, 3}, kFloat64), true);
  Variable b(ones({5, 3}, kFloat64), true);
  CHECK(node_attributes(node(matmul(a, b, false, true))) == "trans_b");
  CHECK(node_attributes(node(matmul(a, a, true, false))) == "trans_a");
  CHECK(node_attributes(node(matmul(a, reshape(b, {3, 5})))).empty());
  CHECK(node_attributes(node(mul(a, 0.5))) == "s=0.5");
  CHECK(node_attributes(node(add(a, -2.0))) == "s=-2");
  CHECK(node_attributes(node(pow(a, 3.0))) == "exponent=3");
  CHECK(node_attributes(node(clamp(a, 0.0, 1.5))) == "min=0 max=1.5");
  CHECK(node_attributes(node(clamp(a, std::nullopt, 1.0))) == "max=1");
  CHECK(node_attributes(node(sum(a, {1}, true))) == "dims=[1] keepdim");
  CHECK(node_attributes(node(sum(a))) == "dims=all");
  CHECK(node_attributes(node(log_softmax(a, 1))) == "dim=1");
  CHECK(node_attributes(node(reshape(a, {-1}))) == "to [-1]");
  CHECK(node_attributes(node(permute(a, {1, 0}))) == "dims=[1,0]");
  CHECK(node_attributes(node(slice(a, 0, 1, 3))) == "axis=0 1:3");
  CHECK(node_attributes(node(gather(a, 1, zeros({4, 1}, kInt64)))) == "axis=1 index [4,1]");
  Variable img(ones({1, 1, 5, 5}, kFloat64), true);
  Window2d w;
  w.kernel = {3, 3};
  w.padding = {1, 1};
  w.stride = {2, 2};
  CHECK(node_attributes(node(unfold2d(img, w))) == "k=3x3 s=2 p=1");
  // Not recorded: nothing to annotate, and the input's own node is left alone.
  Variable y = mul(a, 2.0);
  {
    NoGradGuard no_grad;
    Variable r = reshape(y, {12});
    CHECK_FALSE(r.grad_fn());
  }
  CHECK(node_attributes(node(y)) == "s=2");
}

TEST_CASE("tape: tape_nodes lists ops in order with scopes, shapes, names and producers") {
  Variable w(ones({3, 2}, kFloat32), true);
  w.set_name("fc.weight");
  Variable x(ones({4, 3}, kFloat32));
  const std::size_t before = tape_nodes().size();
  Variable h, loss;
  {
    NameScope s("fc");
    h = relu(matmul(x, w));
  }
  {
    NameScope s("loss");
    loss = mean(h);
  }
  std::vector<TapeNode> nodes = tape_nodes();
  REQUIRE(nodes.size() >= before + 3);
  nodes.erase(nodes.begin(), nodes.begin() + static_cast<std::ptrdiff_t>(before));
  std::vector<std::string> ops;
  for (const auto& n : nodes) ops.push_back(n.op);
  CHECK(ops == std::vector<std::string>{"matmul", "relu", "sum", "div"});
  CHECK(nodes[0].scope == "fc");
  CHECK(nodes[1].scope == "fc");
  CHECK(nodes[2].scope == "loss");
  CHECK(nodes[2].attributes == "dims=all");
  CHECK(nodes[3].attributes == "divisor=8");  // the mean's count
  REQUIRE(nodes[0].inputs.size() == 2);
  CHECK(nodes[0].inputs[0].shape == Shape{4, 3});
  CHECK_FALSE(nodes[0].inputs[0].requires_grad);
  CHECK(nodes[0].inputs[0].producer == -1);
  CHECK(nodes[0].inputs[1].name == "fc.weight");
  CHECK(nodes[0].inputs[1].requires_grad);
  CHECK(nodes[0].shape == Shape{4, 2});
  CHECK(nodes[0].dtype == kFloat32);
  CHECK(nodes[1].inputs[0].producer == static_cast<std::int64_t>(nodes[0].seq));
  CHECK(nodes[1].seq > nodes[0].seq);

  std::ostringstream os;
  print_tape(os);
  const std::string table = os.str();
  CHECK(table.find("fc.weight [3,2] float32 (grad)") != std::string::npos);
  CHECK(table.find("const [4,3] float32,") != std::string::npos);
  CHECK(table.find("#" + std::to_string(nodes[0].seq) + " [4,2] float32 (grad)") !=
        std::string::npos);
  // Aligned: every row starts its op column at the same offset as the header's.
  const std::string rows = format_tape(nodes);
  std::istringstream lines(rows);
  std::string header, line;
  std::getline(lines, header);
  const auto col = header.find("op ");
  while (std::getline(lines, line)) {
    CHECK(line.size() > col);
    CHECK(line[col - 1] == ' ');
    CHECK(line[col] != ' ');
  }
  // After a backward without retain_graph the nodes say they were freed.
  backward(loss);
  CHECK(format_tape(tape_nodes()).find("(freed by backward)") != std::string::npos);
}

TEST_CASE("graph: DOT options: clusters per scope, attributes, rankdir, the backward graph") {
  Variable w1(ones({3, 2}, kFloat64), true);
  w1.set_name("fc1.weight");
  Variable w2(ones({2, 2}, kFloat64), true);
  w2.set_name("fc2.weight");
  Variable x(ones({4, 3}, kFloat64));
  Variable h, out, loss;
  {
    NameScope s("fc1");
    h = relu(matmul(x, w1));
  }
  {
    NameScope s("fc2");
    out = matmul(h, w2, false, true);
  }
  {
    NameScope s("loss");
    loss = sum(mul(out, 0.5));
  }
  const std::string plain = graph_to_dot(loss);  // the defaults: clusters and attributes
  CHECK(plain.find("rankdir=LR") != std::string::npos);
  CHECK(plain.find("subgraph cluster_fc1 {") != std::string::npos);
  CHECK(plain.find("subgraph cluster_fc2 {") != std::string::npos);
  CHECK(plain.find("subgraph cluster_loss {") != std::string::npos);
  CHECK(plain.find("trans_b") != std::string::npos);
  CHECK(plain.find("s=0.5") != std::string::npos);
  CHECK(count(plain, "Backward") == 0);
  // fc1.weight sits inside fc1's box: between "cluster_fc1 {" and the next "  }".
  const auto c1 = plain.find("subgraph cluster_fc1 {");
  const auto c1_end = plain.find("\n  }\n", c1);
  const auto w1_at = plain.find("fc1.weight");
  CHECK((w1_at > c1 && w1_at < c1_end));

  const std::string bare =
      graph_to_dot(loss, {.cluster_scopes = false, .attributes = false, .top_to_bottom = true});
  CHECK(bare.find("rankdir=TB") != std::string::npos);
  CHECK(bare.find("subgraph") == std::string::npos);
  CHECK(bare.find("trans_b") == std::string::npos);

  const std::string both = graph_to_dot(loss, {.backward = true});
  const std::size_t ops = count(both, "[shape=box, label=");
  CHECK(ops == 5);  // matmul, relu, matmul, mul_scalar, sum
  CHECK(count(both, "Backward\"") == ops);
  CHECK(both.find("MatmulBackward") != std::string::npos);
  CHECK(both.find("MulScalarBackward") != std::string::npos);
  // Gradient edges: one per input that requires grad (matmul 1 + relu 1 + matmul 2 + mul 1 +
  // sum 1 = 6; x needs none), plus the seed's; each labelled with the gradient's shape.
  CHECK(count(both, "dir=back") == 7);
  CHECK(both.find("label=\"[3,2]\"") != std::string::npos);  // into fc1.weight
  CHECK(both.find("d root / d root") != std::string::npos);
}

TEST_CASE("graph: DOT clusters nest as the scope paths do (encoder.fc1 inside encoder)") {
  Variable w1(ones({3, 2}, kFloat64), true);
  w1.set_name("encoder.fc1.weight");
  Variable w2(ones({2, 2}, kFloat64), true);
  w2.set_name("encoder.fc2.weight");
  Variable x(ones({4, 3}, kFloat64));
  Variable out, loss;
  {
    NameScope encoder("encoder");  // no op recorded in "encoder" itself, only in its children
    Variable h;
    {
      NameScope fc1("fc1");
      h = relu(matmul(x, w1));
    }
    NameScope fc2("fc2");
    out = matmul(h, w2);
  }
  {
    NameScope s("loss");
    loss = sum(out);
  }
  const std::string dot = graph_to_dot(loss);
  // The text of the cluster opened by `header`, up to its closing brace at the same indent.
  auto cluster = [&](const std::string& header, const std::string& indent) {
    const auto begin = dot.find(indent + header);
    REQUIRE(begin != std::string::npos);
    const auto end = dot.find("\n" + indent + "}\n", begin);
    REQUIRE(end != std::string::npos);
    return dot.substr(begin, end - begin);
  };
  const std::string encoder = cluster("subgraph cluster_encoder {", "  ");
  CHECK(count(dot, "subgraph cluster_encoder {") == 1);
  const std::string fc1 = cluster("subgraph cluster_encoder_fc1 {", "    ");
  CHECK(encoder.find("subgraph cluster_encoder_fc1 {") != std::string::npos);
  CHECK(encoder.find("subgraph cluster_encoder_fc2 {") != std::string::npos);
  CHECK(fc1.find("encoder.fc1.weight") != std::string::npos);
  CHECK(fc1.find("relu") != std::string::npos);
  CHECK(fc1.find("encoder.fc2.weight") == std::string::npos);
  // loss is a sibling of encoder, not inside it.
  CHECK(encoder.find("cluster_loss") == std::string::npos);
  CHECK(dot.find("\n  subgraph cluster_loss {") != std::string::npos);
  // Every opened brace closes: the nesting is well formed.
  CHECK(count(dot, "{") == count(dot, "}"));

  // Without clusters nothing nests.
  CHECK(graph_to_dot(loss, {.cluster_scopes = false}).find("subgraph") == std::string::npos);
}

}  // namespace minidl
