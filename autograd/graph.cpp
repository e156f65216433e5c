// graph_to_dot: a walk from the roots collects op nodes, leaves and edges; the emission then
// groups them into clusters by scope and adds the backward graph when asked (see graph.h).
#include "autograd/graph.h"

#include <cctype>
#include <functional>
#include <map>
#include <sstream>
#include <unordered_map>

#include "autograd/tape.h"
#include "tensor/file_util.h"

namespace minidl {
namespace {

constexpr const char* kBackwardColour = "\"#d9480f\"";

std::string label_of(const Shape& s, DType d) { return shape_str(s) + " " + dtype_name(d); }

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// log_softmax -> LogSoftmaxBackward (PyTorch's grad_fn style).
std::string backward_name(const std::string& op) {
  std::string out;
  bool up = true;
  for (char c : op) {
    if (c == '_') {
      up = true;
      continue;
    }
    out += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    up = false;
  }
  return out + "Backward";
}

std::string cluster_id(const std::string& scope) {
  std::string out = "cluster_";
  for (char c : scope) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

struct Vertex {
  std::string id;
  const Node* op = nullptr;  // null for a leaf
  Variable leaf;
  bool root = false;
  std::string scope;
};

struct Edge {
  std::string from, to;  // forward direction: input -> consumer
  Variable input;
};

}  // namespace

std::string graph_to_dot(const std::vector<Variable>& roots, const DotOptions& options) {
  std::vector<Vertex> vertices;
  std::vector<Edge> edges;
  std::unordered_map<const void*, std::size_t> index;  // Node* or VariableImpl* -> vertex
  std::vector<std::size_t> stack;
  auto visit = [&](const Variable& v, bool is_root) -> const std::string& {
    const auto& fn = v.grad_fn();
    const void* key = fn ? static_cast<const void*>(fn.get()) : v.impl();
    auto [it, fresh] = index.emplace(key, vertices.size());
    if (fresh) {
      Vertex x;
      x.id = "n" + std::to_string(vertices.size());
      x.root = is_root;
      if (fn) {
        x.op = fn.get();
        x.scope = fn->scope;
        stack.push_back(vertices.size());
      } else {
        x.leaf = v;
        // A parameter belongs to the module that owns it: "fc1.weight" -> "fc1".
        if (auto dot = v.name().rfind('.'); v.requires_grad() && dot != std::string::npos)
          x.scope = v.name().substr(0, dot);
      }
      vertices.push_back(std::move(x));
    }
    return vertices[it->second].id;
  };
  for (const auto& r : roots) {
    MINIDL_CHECK(r.defined(), "graph_to_dot: undefined root");
    visit(r, true);
  }
  // Iterative DFS over op nodes; leaves are added when first seen as inputs.
  while (!stack.empty()) {
    const std::size_t i = stack.back();
    stack.pop_back();
    const Node* n = vertices[i].op;
    const std::string to = vertices[i].id;
    for (const auto& in : n->inputs) edges.push_back({visit(in, false), to, in});
  }

  // A parameter's scope counts only when some op was recorded in it; otherwise it stays outside.
  std::map<std::string, int> op_scopes;
  for (const auto& x : vertices)
    if (x.op && !x.scope.empty()) op_scopes[x.scope] = 1;
  // Clusters nest by dotted path: "encoder.fc1" sits inside "encoder", which gets a box even when
  // no op was recorded in it directly. Order is first appearance (deterministic): top_order
  // holds "" (the unscoped vertices) and the outermost clusters, children[p] the clusters inside
  // p.
  std::vector<std::string> top_order;
  std::map<std::string, std::vector<std::string>> children;
  std::map<std::string, std::vector<std::size_t>> members;
  for (std::size_t i = 0; i < vertices.size(); ++i) {
    std::string s = options.cluster_scopes && op_scopes.count(vertices[i].scope) ? vertices[i].scope
                                                                                 : std::string();
    if (!members.count(s)) {
      // Register s and every enclosing path not yet seen, outermost first.
      std::vector<std::string> fresh;
      for (std::string p = s; !p.empty() && !members.count(p);) {
        fresh.push_back(p);
        const auto dot = p.rfind('.');
        p = dot == std::string::npos ? std::string() : p.substr(0, dot);
      }
      if (s.empty()) fresh.push_back(s);
      for (auto it = fresh.rbegin(); it != fresh.rend(); ++it) {
        members[*it];  // known from now on
        const auto dot = it->rfind('.');
        if (it->empty() || dot == std::string::npos)
          top_order.push_back(*it);
        else
          children[it->substr(0, dot)].push_back(*it);
      }
    }
    members[s].push_back(i);
  }

  std::ostringstream os;
  os << "digraph minidl {\n  rankdir=" << (options.top_to_bottom ? "TB" : "LR")
     << ";\n  node [fontname=\"Helvetica\", fontsize=10];\n"
     << "  edge [fontname=\"Helvetica\", fontsize=9];\n";
  auto emit_vertex = [&](const Vertex& x, const std::string& indent) {
    if (x.op) {
      const Node& n = *x.op;
      const std::string attrs = options.attributes ? node_attributes(n) : std::string();
      os << indent << x.id << " [shape=box, label=\"" << n.op
         << (attrs.empty() ? "" : "\\n" + escape(attrs)) << "\\n"
         << label_of(n.out_shape, n.out_dtype) << "\\n#" << n.seq << (n.freed ? " (freed)" : "")
         << "\"" << (x.root ? ", penwidth=2.5" : "") << "];\n";
      if (options.backward) {
        os << indent << x.id << "b [shape=box, style=\"rounded,dashed\", color=" << kBackwardColour
           << ", fontcolor=" << kBackwardColour << ", label=\"" << backward_name(n.op) << "\"];\n";
      }
      return;
    }
    const Variable& v = x.leaf;
    const bool param = v.requires_grad();
    std::string name = v.name().empty() ? (param ? "leaf" : "const") : v.name();
    os << indent << x.id << " [shape=ellipse, label=\"" << escape(name) << "\\n"
       << label_of(v.shape(), v.dtype()) << "\""
       << (param ? ", style=filled, fillcolor=\"#cfe2ff\"" : ", color=gray50, fontcolor=gray30")
       << (x.root ? ", penwidth=2.5" : "") << "];\n";
  };
  std::function<void(const std::string&, const std::string&)> emit_cluster =
      [&](const std::string& scope, const std::string& indent) {
        os << indent << "subgraph " << cluster_id(scope) << " {\n"
           << indent << "  label=\"" << escape(scope) << "\";\n"
           << indent << "  style=rounded;\n"
           << indent << "  color=gray60;\n"
           << indent << "  fontname=\"Helvetica\";\n";
        for (std::size_t i : members[scope]) emit_vertex(vertices[i], indent + "  ");
        for (const auto& child : children[scope]) emit_cluster(child, indent + "  ");
        os << indent << "}\n";
      };
  for (const auto& scope : top_order) {
    if (scope.empty()) {
      for (std::size_t i : members[scope]) emit_vertex(vertices[i], "  ");
    } else {
      emit_cluster(scope, "  ");
    }
  }
  for (const auto& e : edges) os << "  " << e.from << " -> " << e.to << ";\n";

  if (options.backward) {
    // The seed d(root)/d(root) flows into each root's backward node.
    for (const auto& x : vertices) {
      if (!x.root || !x.op) continue;
      os << "  " << x.id << "_seed [shape=plaintext, fontcolor=" << kBackwardColour
         << ", label=\"d root / d root\\n(ones " << shape_str(x.op->out_shape) << ")\"];\n";
      os << "  " << x.id << "b -> " << x.id << "_seed [dir=back, color=" << kBackwardColour
         << "];\n";
    }
    for (const auto& e : edges) {
      if (!e.input.requires_grad()) continue;  // no gradient is computed for it
      const bool from_op = e.input.grad_fn() != nullptr;
      os << "  " << e.from << (from_op ? "b" : "") << " -> " << e.to
         << "b [dir=back, color=" << kBackwardColour << ", fontcolor=" << kBackwardColour
         << ", label=\"" << shape_str(e.input.shape()) << "\"];\n";
    }
  }
  os << "}\n";
  return os.str();
}

void write_dot(const Variable& root, const std::string& path, const DotOptions& options) {
  write_file_atomic(path, graph_to_dot(root, options));
}

}  // namespace minidl
