#include "autograd/graph.h"

#include <sstream>
#include <unordered_map>

#include "autograd/tape.h"
#include "tensor/file_util.h"

namespace minidl {
namespace {

std::string label_of(const Shape& s, DType d) { return shape_str(s) + " " + dtype_name(d); }

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string graph_to_dot(const std::vector<Variable>& roots) {
  std::ostringstream os;
  os << "digraph minidl {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n";
  std::unordered_map<const void*, std::string> ids;
  int next = 0;
  auto id_of = [&](const void* p, bool* fresh) {
    auto it = ids.find(p);
    if (it != ids.end()) {
      *fresh = false;
      return it->second;
    }
    *fresh = true;
    return ids[p] = "n" + std::to_string(next++);
  };
  // Iterative DFS over op nodes; leaves are emitted when first seen as inputs.
  std::vector<const Node*> stack;
  auto visit_var = [&](const Variable& v, bool is_root) -> std::string {
    bool fresh = false;
    if (const auto& fn = v.grad_fn()) {
      std::string id = id_of(fn.get(), &fresh);
      if (fresh) {
        os << "  " << id << " [shape=box, label=\"" << fn->op << "\\n"
           << label_of(fn->out_shape, fn->out_dtype) << "\\n#" << fn->seq
           << (fn->freed ? " (freed)" : "") << "\"" << (is_root ? ", penwidth=2.5" : "") << "];\n";
        stack.push_back(fn.get());
      }
      return id;
    }
    std::string id = id_of(v.impl(), &fresh);
    if (fresh) {
      bool param = v.requires_grad();
      std::string name = v.name().empty() ? (param ? "leaf" : "const") : v.name();
      os << "  " << id << " [shape=ellipse, label=\"" << escape(name) << "\\n"
         << label_of(v.shape(), v.dtype()) << "\""
         << (param ? ", style=filled, fillcolor=\"#cfe2ff\"" : ", color=gray50, fontcolor=gray30")
         << (is_root ? ", penwidth=2.5" : "") << "];\n";
    }
    return id;
  };
  for (const auto& r : roots) {
    MINIDL_CHECK(r.defined(), "graph_to_dot: undefined root");
    visit_var(r, true);
  }
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    std::string nid = ids[n];
    for (const auto& in : n->inputs) os << "  " << visit_var(in, false) << " -> " << nid << ";\n";
  }
  os << "}\n";
  return os.str();
}

void write_dot(const Variable& root, const std::string& path) {
  write_file_atomic(path, graph_to_dot(root));
}

}  // namespace minidl
