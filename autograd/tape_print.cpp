// Reading the tape: tape_nodes() and print_tape(), for people studying what a forward pass
// recorded (op, scope, attributes, shapes, which inputs require grad and where each came from).
#include <algorithm>
#include <cstdio>
#include <ostream>
#include <sstream>

#include "autograd/tape.h"

namespace minidl {
namespace {

std::string shape_dtype(const Shape& s, DType d) { return shape_str(s) + " " + dtype_name(d); }

std::string input_label(const TapeInput& in) {
  std::string who = !in.name.empty()   ? in.name
                    : in.producer >= 0 ? "#" + std::to_string(in.producer)
                    : in.requires_grad ? "leaf"
                                       : "const";
  return who + " " + shape_dtype(in.shape, in.dtype) + (in.requires_grad ? " (grad)" : "");
}

}  // namespace

std::string node_attributes(const Node& node) {
  switch (node.attr) {
    case Node::Attr::kText:
      return node.attr_text;
    case Node::Attr::kScalar: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "s=%.6g", node.attr_scalar);
      return buf;
    }
    case Node::Attr::kNone:
      break;
  }
  return "";
}

std::vector<TapeNode> tape_nodes() {
  std::vector<TapeNode> out;
  for (const auto& n : live_tape_nodes()) {
    TapeNode t;
    t.seq = n->seq;
    t.op = n->op;
    t.scope = n->scope;
    t.attributes = node_attributes(*n);
    t.shape = n->out_shape;
    t.dtype = n->out_dtype;
    t.freed = n->freed;
    for (const auto& v : n->inputs) {
      TapeInput in;
      in.shape = v.shape();
      in.dtype = v.dtype();
      in.requires_grad = v.requires_grad();
      in.name = v.name();
      if (const auto& fn = v.grad_fn()) in.producer = static_cast<std::int64_t>(fn->seq);
      t.inputs.push_back(std::move(in));
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::string format_tape(const std::vector<TapeNode>& nodes) {
  // Columns: seq, scope, op, attributes, output; the inputs follow, comma-separated.
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"#", "scope", "op", "attributes", "output", "inputs"});
  for (const auto& n : nodes) {
    std::string inputs;
    for (const auto& in : n.inputs) inputs += (inputs.empty() ? "" : ", ") + input_label(in);
    if (n.freed) inputs = "(freed by backward)";
    rows.push_back({std::to_string(n.seq), n.scope.empty() ? "-" : n.scope, n.op,
                    n.attributes.empty() ? "-" : n.attributes, shape_dtype(n.shape, n.dtype),
                    inputs});
  }
  std::vector<std::size_t> width(5, 0);
  for (const auto& r : rows)
    for (std::size_t c = 0; c < width.size(); ++c) width[c] = std::max(width[c], r[c].size());
  std::ostringstream os;
  for (const auto& r : rows) {
    os << std::string(width[0] - r[0].size(), ' ') << r[0];  // numbers right-aligned
    for (std::size_t c = 1; c < width.size(); ++c)
      os << "  " << r[c] << std::string(width[c] - r[c].size(), ' ');
    os << "  " << r[5] << "\n";
  }
  return os.str();
}

void print_tape(std::ostream& os) { os << format_tape(tape_nodes()); }

}  // namespace minidl
