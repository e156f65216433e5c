// The recorded graph of a computation as Graphviz DOT, for people studying the tape:
//   write_dot(loss, "step.dot");   then   dot -Tpng step.dot -o step.png
// Op nodes are boxes (op name, output shape and dtype, tape position); leaves are ellipses:
// parameters (leaves that require grad, with their names) filled, constants plain; the root is
// drawn bold. Edges run from inputs to the op that consumed them, in execution direction.
#pragma once

#include <string>
#include <vector>

#include "autograd/variable.h"

namespace minidl {

std::string graph_to_dot(const std::vector<Variable>& roots);
inline std::string graph_to_dot(const Variable& root) {
  return graph_to_dot(std::vector<Variable>{root});
}
// Written atomically.
void write_dot(const Variable& root, const std::string& path);

}  // namespace minidl
