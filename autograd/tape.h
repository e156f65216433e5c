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
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "autograd/scope.h"
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
  bool once_differentiable = false;
  bool freed = false;  // released by a backward without retain_graph
  // For people reading the tape (print_tape, graph_to_dot), not for the engine. Packed so a Node
  // stays within the allocation size class it had before them: the tiny-op chain measured ~10%
  // slower with a Node of 200 bytes (std::string attributes), and the same speed at 152.
  enum class Attr : std::uint8_t { kNone, kText, kScalar } attr = Attr::kNone;
  std::uint64_t seq = 0;
  Variable pending;        // gradient being accumulated during a backward pass
  const char* scope = "";  // the NameScope path it was recorded in (interned, never freed)
  // The op's settings: interned text ("trans_b", "dims=[1] keepdim") set by annotate(), or a
  // scalar operand (add_scalar's s) set by annotate_scalar() and formatted only when printed.
  union {
    const char* attr_text = nullptr;
    double attr_scalar;
  };
};

// The attributes as printed: the text, or "s=<scalar>" ("" when the op set none).
std::string node_attributes(const Node& node);

// Gives the node just recorded for `out` its attributes: text() runs (and its result is interned
// with the scope paths, autograd/scope.h) only when `out` has a node, i.e. grad mode on and an
// input requiring grad. Call it on record()'s result, nothing else: an op that may return its
// input unchanged would otherwise annotate the input's node.
template <typename TextFn>
Variable annotate(Variable out, TextFn&& text) {
  if (const auto& node = out.grad_fn()) {
    node->attr_text = intern_string(text());
    node->attr = Node::Attr::kText;
  }
  return out;
}
// A scalar operand, stored as a number: the tiny-op chain of add_scalar / mul_scalar formats
// nothing.
inline Variable annotate_scalar(Variable out, double s) {
  if (const auto& node = out.grad_fn()) {
    node->attr_scalar = s;
    node->attr = Node::Attr::kScalar;
  }
  return out;
}

// ---- branch tapes
// Each thread records onto its own tape, and a backward walks the tape of the thread it runs on.
// Work that may run on any thread (TBB tasks: a GAN's D(real) beside D(fake), train/gan) records
// onto a BranchTape instead, inside a TapeScope, and its backward (or grad) runs inside a
// TapeScope of the same BranchTape, on whichever thread. A graph must not span two tapes: the
// walk only visits nodes on the tape it runs on, so a branch ends in outputs whose gradients are
// asked for inside its own scope (grad(..., {.grad_outputs = seeds})).
struct Tape;
class BranchTape {
 public:
  BranchTape();
  ~BranchTape();
  BranchTape(const BranchTape&) = delete;
  BranchTape& operator=(const BranchTape&) = delete;

 private:
  friend class TapeScope;
  std::unique_ptr<Tape> tape_;
};
// Makes `tape` this thread's tape for the scope (scopes nest: a task stolen inside another's wait
// sets its own and restores the outer one).
class TapeScope {
 public:
  explicit TapeScope(BranchTape& tape);
  ~TapeScope();
  TapeScope(const TapeScope&) = delete;
  TapeScope& operator=(const TapeScope&) = delete;

 private:
  Tape* prev_;
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
  // With allow_unused: such an input's gradient is left undefined (PyTorch's None) instead of
  // zeros, so a caller can tell "not used" from "zero" (train/gan adds branch gradients).
  bool undefined_unused = false;
};
// d(sum of outputs)/d(inputs), returned instead of accumulated into .grad.
std::vector<Variable> grad(const std::vector<Variable>& outputs,
                           const std::vector<Variable>& inputs, const GradOptions& options = {});

// Nodes currently alive on this thread's tape, or its TapeScope's (for tests and leak checks).
std::size_t tape_size();

// ---- reading the tape (autograd/tape_print.cpp)
// One input of a recorded node.
struct TapeInput {
  Shape shape;
  DType dtype = kFloat32;
  bool requires_grad = false;
  std::string name;            // a parameter's dotted name ("fc1.weight"); "" when unnamed
  std::int64_t producer = -1;  // seq of the node that made it; -1 for a leaf
};
// One live node, in tape order.
struct TapeNode {
  std::uint64_t seq = 0;
  std::string op;
  std::string scope;       // "fc1", "loss", "" at top level
  std::string attributes;  // node_attributes()
  Shape shape;             // of the output
  DType dtype = kFloat32;
  bool freed = false;  // a backward without retain_graph released it: its inputs are gone
  std::vector<TapeInput> inputs;
};
// The live recorded nodes of this thread, in execution order (oldest first). A node is live while
// its output variable is; call it before backward() to see the inputs (a backward without
// retain_graph frees them). Recording nothing (NoGradGuard) means nothing to list.
std::vector<TapeNode> tape_nodes();
// The live nodes themselves, in tape order (tape_nodes() and the tests read them).
std::vector<std::shared_ptr<Node>> live_tape_nodes();
// tape_nodes() as an aligned table: seq, scope, op, attributes, output, then one column per input
// ("fc1.weight [128,784] f32 grad", "#3 [4,128] f32 grad", "x [4,784] f32").
void print_tape(std::ostream& os);
std::string format_tape(const std::vector<TapeNode>& nodes);

}  // namespace minidl
