// The recorded graph of a computation as Graphviz DOT, for people studying the tape:
//   write_dot(loss, "step.dot");   then   dot -Tpng step.dot -o step.png
// Op nodes are boxes (op name, attributes, output shape and dtype, tape position); leaves are
// ellipses: parameters (leaves that require grad, with their names) filled, constants plain; the
// root is drawn bold. Edges run from inputs to the op that consumed them, in execution direction.
//
// Options:
// - cluster_scopes: a box (subgraph cluster_<scope>) around the nodes of each NameScope path:
//   "fc1", "fc2", "loss", ...; a parameter sits in the box of the module that owns it. Boxes nest
//   as the dotted paths do: "encoder.fc1" is drawn inside "encoder" (which gets its box even
//   when all its ops sit in submodules).
// - attributes: the op's settings under its name ("trans_b", "dims=[1] keepdim", "s=0.5").
// - top_to_bottom: rankdir=TB instead of left to right.
// - backward: the backward graph too, in a second colour. Each op node gets a "<Op>Backward" node
//   beside it (matmul -> MatmulBackward, log_softmax -> LogSoftmaxBackward) and the edges carry
//   the gradient the way the engine sends it: from d(root)/d(root) (ones, the seed) into the
//   root's backward node, from each backward node into the backward node of every input that
//   requires grad, and finally into the parameters, whose .grad it is. Each edge is labelled with
//   the gradient's shape (always its input's). It shows which gradients exist and where they flow;
//   it does not show the ops a backward function runs (they are recorded only with create_graph),
//   nor the summing where a variable feeds several ops (several edges arrive at one node, and the
//   engine adds them), nor inputs that need no gradient (constants, the data, int64 targets).
//   Backward edges are written producer -> consumer with dir=back, so the layout keeps the forward
//   ranks and the arrowheads point the way gradients flow.
#pragma once

#include <string>
#include <vector>

#include "autograd/variable.h"

namespace minidl {

struct DotOptions {
  bool backward = false;
  bool cluster_scopes = true;
  bool attributes = true;
  bool top_to_bottom = false;
};

std::string graph_to_dot(const std::vector<Variable>& roots, const DotOptions& options = {});
inline std::string graph_to_dot(const Variable& root, const DotOptions& options = {}) {
  return graph_to_dot(std::vector<Variable>{root}, options);
}
// Written atomically.
void write_dot(const Variable& root, const std::string& path, const DotOptions& options = {});

}  // namespace minidl
