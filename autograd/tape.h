// The tape and the reverse-mode engine.
//
// Each differentiable op, when grad mode is on and an input requires grad, records a Node on this
// thread's tape. Nodes are appended in execution order, so walking the tape backwards from the loss
// is already a topological order: no recursion, no stack overflow on deep graphs. The output
// variable owns its node; the tape keeps weak references and forgets nodes whose outputs are gone.
//
// A backward function *returns* one gradient per input (undefined for inputs that need none); only
// the engine accumulates, and it checks count, shape and dtype and names the op when the contract
// is broken. Backward functions are written with differentiable ops, so with create_graph the
// backward pass is itself recorded and can be differentiated again. A node marked
// once_differentiable refuses create_graph.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "autograd/variable.h"

namespace minidl {

// grad_inputs = backward(inputs, output, grad_output)
using BackwardFn = std::function<std::vector<Variable>(
    const std::vector<Variable>& inputs, const Variable& output, const Variable& grad_output)>;

struct Node {
  Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  // Tears the graph upstream down iteratively: a 100k-op chain dropped without backward must not
  // overflow the stack with nested destructors.
  ~Node();
  const char* op = "";
  std::vector<Variable> inputs;
  std::weak_ptr<VariableImpl> output;
  BackwardFn backward;
  Shape out_shape;
  DType out_dtype = kFloat32;
  std::uint64_t seq = 0;
  bool once_differentiable = false;
  bool freed = false;  // released by a backward without retain_graph
  Variable pending;    // gradient being accumulated during a backward pass
};

// Grad mode (thread-local). NoGradGuard turns recording off for its scope.
bool grad_enabled();
void set_grad_enabled(bool enabled);
class NoGradGuard {
 public:
  NoGradGuard() : prev_(grad_enabled()) { set_grad_enabled(false); }
  ~NoGradGuard() { set_grad_enabled(prev_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};
class EnableGradGuard {
 public:
  explicit EnableGradGuard(bool enabled) : prev_(grad_enabled()) { set_grad_enabled(enabled); }
  ~EnableGradGuard() { set_grad_enabled(prev_); }
  EnableGradGuard(const EnableGradGuard&) = delete;
  EnableGradGuard& operator=(const EnableGradGuard&) = delete;

 private:
  bool prev_;
};

// The result of a primitive: records a node when grad mode is on and any input requires grad,
// otherwise returns a plain variable. Primitives call this; nothing else should.
Variable record(const char* op, Tensor value, std::vector<Variable> inputs, BackwardFn backward,
                bool once_differentiable = false);

// Accumulates d(loss)/d(leaf) into every leaf's .grad. `seed` is d(loss)/d(loss): required for a
// non-scalar loss, ones by default for a scalar. Without retain_graph the graph is freed and a
// second backward through it is an error.
void backward(const Variable& loss, const Variable& seed = Variable(), bool retain_graph = false,
              bool create_graph = false);

struct GradOptions {
  std::vector<Variable> grad_outputs = {};  // seeds, one per output (default ones for scalars)
  bool retain_graph = false;                // forced on by create_graph
  bool create_graph = false;  // record the backward so the result can be differentiated
  bool allow_unused = false;  // an input the outputs do not depend on gets zeros, not an error
};
// d(sum of outputs)/d(inputs), returned instead of accumulated into .grad.
std::vector<Variable> grad(const std::vector<Variable>& outputs,
                           const std::vector<Variable>& inputs, const GradOptions& options = {});

// Nodes currently alive on this thread's tape (for tests and leak checks).
std::size_t tape_size();

}  // namespace minidl
