// The reverse-mode engine: recording (record) and the backward walk (backward, grad).
#include "autograd/tape.h"

#include <algorithm>
#include <unordered_map>

#include "autograd/ops.h"
#include "autograd/profiler.h"
#include "autograd/scope.h"
#include "tensor/ops.h"

namespace minidl {

#if defined(__GLIBCXX__) && defined(__x86_64__)
// With make_shared's control block a Node of at most 152 bytes is one 176-byte malloc chunk, as
// before scopes and attributes were added; at 168 (a 192-byte chunk) the tiny-op chain of
// bench_core ran ~10% slower. Keep new fields inside this budget.
static_assert(sizeof(Node) <= 152, "Node grew past its allocation size class");
#endif

struct TapeEntry {
  std::uint64_t seq;
  std::weak_ptr<Node> node;
};

struct Tape {
  std::vector<TapeEntry> entries;
  std::uint64_t next_seq = 0;
  std::size_t compact_at = 4096;
  int walking = 0;  // > 0 while a backward walks the entries: no compaction then
};

namespace {

thread_local bool t_grad_enabled = true;
thread_local Tape t_own_tape;
thread_local Tape* t_scoped_tape = nullptr;  // set by a TapeScope

// The tape this thread records onto and walks: a TapeScope's branch tape, else its own.
Tape& current_tape() { return t_scoped_tape ? *t_scoped_tape : t_own_tape; }

// Drops entries whose node is gone, so the tape does not grow with every training step.
void maybe_compact(Tape& tape) {
  if (tape.walking > 0 || tape.entries.size() < tape.compact_at) return;
  std::erase_if(tape.entries, [](const TapeEntry& e) { return e.node.expired(); });
  tape.compact_at = std::max<std::size_t>(4096, 2 * tape.entries.size());
}

// Sum of two gradients: recorded when create_graph is on (grad mode is on then), plain otherwise.
Variable add_grads(const Variable& a, const Variable& b) {
  if (grad_enabled() && (a.requires_grad() || b.requires_grad())) return add(a, b);
  return Variable(minidl::add(a.value(), b.value()));
}

struct Walk {
  bool keep_graph = false;
  bool create_graph = false;
  // grad(): inputs whose gradients are returned instead of accumulated into .grad.
  std::unordered_map<VariableImpl*, std::size_t>* capture = nullptr;
  std::vector<Variable>* captured = nullptr;
  std::vector<std::shared_ptr<Node>> visited;  // keeps nodes alive until the walk ends
  std::size_t pending = 0;

  void accumulate(const Variable& v, const Variable& g, const char* from_op) {
    if (capture) {
      auto it = capture->find(v.impl());
      if (it != capture->end()) {
        Variable& slot = (*captured)[it->second];
        slot = slot.defined() ? add_grads(slot, g) : g;
      }
    }
    const std::shared_ptr<Node>& node = v.grad_fn();
    if (node) {
      MINIDL_CHECK(
          !node->freed, "backward: trying to backward through the graph a second time (", node->op,
          " of shape ", shape_str(node->out_shape),
          " was freed by an earlier backward); pass retain_graph = true to the first call");
      if (!node->pending.defined()) {
        node->pending = g;
        ++pending;
        visited.push_back(node);
      } else {
        node->pending = add_grads(node->pending, g);
      }
      return;
    }
    if (capture || !v.requires_grad()) return;
    // A leaf: accumulate into .grad. The first gradient is copied when anything else can see it,
    // because a backward may hand the same tensor to several inputs (or a view of one) and a user
    // may later change one .grad in place. A fresh result that only the backward's list holds
    // (a weight's matmul gradient, a bias's sum) is kept as is: no copy per parameter per step.
    VariableImpl* impl = v.impl();
    if (!impl->grad) {
      const bool exclusive = g.impl_ptr().use_count() == 1 && g.value().storage_unique();
      impl->grad =
          create_graph || exclusive ? g.impl_ptr() : Variable(g.value().clone()).impl_ptr();
    } else {
      impl->grad = add_grads(Variable(impl->grad), g).impl_ptr();
    }
    (void)from_op;
  }

  void run(const std::vector<Variable>& roots, const std::vector<Variable>& seeds) {
    const detail::BackwardPassTimer profiled;
    Tape& tape = current_tape();
    EnableGradGuard mode(create_graph);
    std::uint64_t top_seq = 0;
    bool any_node = false;
    for (std::size_t i = 0; i < roots.size(); ++i) {
      if (roots[i].grad_fn()) {
        top_seq = std::max(top_seq, roots[i].grad_fn()->seq);
        any_node = true;
      }
      accumulate(roots[i], seeds[i], "root");
    }
    if (!any_node) return;
    ++tape.walking;
    struct Release {
      Walk* w;
      Tape* t;
      ~Release() {
        --t->walking;
        for (auto& n : w->visited) {
          n->pending = Variable();
          if (!w->keep_graph) {
            n->freed = true;
            n->backward = nullptr;
            n->inputs.clear();
          }
        }
      }
    } release{this, &tape};
    auto start = std::upper_bound(tape.entries.begin(), tape.entries.end(), top_seq,
                                  [](std::uint64_t s, const TapeEntry& e) { return s < e.seq; });
    for (auto i = static_cast<std::int64_t>(start - tape.entries.begin()) - 1;
         i >= 0 && pending > 0; --i) {
      std::shared_ptr<Node> node = tape.entries[static_cast<std::size_t>(i)].node.lock();
      if (!node || !node->pending.defined()) continue;
      Variable g = std::move(node->pending);
      node->pending = Variable();
      --pending;
      MINIDL_CHECK(!(create_graph && node->once_differentiable), "backward: ", node->op,
                   " is once-differentiable: its backward is not itself differentiable, so "
                   "create_graph (gradients of gradients) cannot pass through it");
      MINIDL_CHECK(node->backward, "backward: ", node->op, " has no backward function");
      Variable out(node->output.lock());
      std::vector<Variable> grads;
      {
        const detail::BackwardNodeTimer profiled(*node);
        grads = node->backward(node->inputs, out, g);
      }
      MINIDL_CHECK(grads.size() == node->inputs.size(), "backward of ", node->op, " returned ",
                   grads.size(), " gradients for ", node->inputs.size(), " inputs");
      for (std::size_t j = 0; j < grads.size(); ++j) {
        const Variable& in = node->inputs[j];
        if (!in.requires_grad() || !grads[j].defined()) continue;
        MINIDL_CHECK(grads[j].shape() == in.shape(), "backward of ", node->op,
                     ": gradient for input ", j, " has shape ", shape_str(grads[j].shape()),
                     " but the input has shape ", shape_str(in.shape()));
        MINIDL_CHECK(grads[j].dtype() == in.dtype(), "backward of ", node->op,
                     ": gradient for input ", j, " is ", dtype_name(grads[j].dtype()),
                     " but the input is ", dtype_name(in.dtype()));
        accumulate(in, grads[j], node->op);
      }
    }
    // Nodes still waiting were never reached: they are on another tape (recorded on another
    // thread, or inside a TapeScope of another BranchTape), and their inputs would silently get
    // no gradient.
    MINIDL_CHECK(pending == 0, "backward: ", pending,
                 " node(s) of this graph are not on the tape being walked (recorded on another "
                 "thread, or inside a TapeScope of another BranchTape); differentiate on the "
                 "thread, or inside the TapeScope, that recorded them");
  }
};

Variable default_seed(const Variable& root, const char* fn) {
  MINIDL_CHECK(root.numel() == 1, fn, ": output of shape ", shape_str(root.shape()),
               " is not a scalar; pass a seed gradient of the same shape");
  return Variable(ones_like(root.value()));
}

void check_seed(const Variable& root, const Variable& seed, const char* fn) {
  MINIDL_CHECK(seed.shape() == root.shape(), fn, ": seed gradient of shape ",
               shape_str(seed.shape()), " for an output of shape ", shape_str(root.shape()));
  MINIDL_CHECK(seed.dtype() == root.dtype(), fn, ": seed gradient is ", dtype_name(seed.dtype()),
               " but the output is ", dtype_name(root.dtype()));
}

}  // namespace

Node::~Node() {
  std::vector<std::shared_ptr<Node>> doomed;
  auto steal = [&doomed](std::vector<Variable>& inputs) {
    for (auto& v : inputs) {
      VariableImpl* impl = v.impl();
      // Only a node this teardown is about to release for good is taken over.
      if (impl && v.impl_ptr().use_count() == 1 && impl->grad_fn && impl->grad_fn.use_count() == 1)
        doomed.push_back(std::move(impl->grad_fn));
    }
    inputs.clear();
  };
  steal(inputs);
  while (!doomed.empty()) {
    std::shared_ptr<Node> n = std::move(doomed.back());
    doomed.pop_back();
    steal(n->inputs);
  }
}

BranchTape::BranchTape() : tape_(std::make_unique<Tape>()) {}
BranchTape::~BranchTape() = default;

TapeScope::TapeScope(BranchTape& tape) : prev_(t_scoped_tape) { t_scoped_tape = tape.tape_.get(); }
TapeScope::~TapeScope() { t_scoped_tape = prev_; }

bool grad_enabled() { return t_grad_enabled; }
void set_grad_enabled(bool enabled) { t_grad_enabled = enabled; }

Variable record(const char* op, Tensor value, std::vector<Variable> inputs, BackwardFn backward,
                bool once_differentiable) {
  bool needs = false;
  if (t_grad_enabled && is_floating(value.dtype())) {
    for (const auto& in : inputs) {
      if (in.requires_grad()) {
        needs = true;
        break;
      }
    }
  }
  if (detail::profiling()) detail::profile_op_recorded(op, value, inputs, needs);
  if (!needs) return Variable(std::move(value));
  Tape& tape = current_tape();
  auto node = std::make_shared<Node>();
  node->op = op;
  node->inputs = std::move(inputs);
  node->backward = std::move(backward);
  node->out_shape = value.shape();
  node->out_dtype = value.dtype();
  node->seq = tape.next_seq++;
  node->once_differentiable = once_differentiable;
  node->scope = current_scope();
  auto impl = std::make_shared<VariableImpl>();
  impl->value = std::move(value);
  impl->requires_grad = true;
  impl->grad_fn = node;
  node->output = impl;
  maybe_compact(tape);
  tape.entries.push_back({node->seq, node});
  return Variable(std::move(impl));
}

void backward(const Variable& loss, const Variable& seed, bool retain_graph, bool create_graph) {
  MINIDL_CHECK(loss.defined(), "backward: undefined loss");
  MINIDL_CHECK(loss.requires_grad(), "backward: the loss (shape ", shape_str(loss.shape()),
               ") does not require grad: no input of its graph requires grad, or it was computed "
               "under NoGradGuard");
  Variable s = seed.defined() ? seed : default_seed(loss, "backward");
  check_seed(loss, s, "backward");
  Walk walk;
  walk.keep_graph = retain_graph || create_graph;
  walk.create_graph = create_graph;
  walk.run({loss}, {s});
}

std::vector<Variable> grad(const std::vector<Variable>& outputs,
                           const std::vector<Variable>& inputs, const GradOptions& options) {
  MINIDL_CHECK(!outputs.empty(), "grad: no outputs");
  MINIDL_CHECK(options.grad_outputs.empty() || options.grad_outputs.size() == outputs.size(),
               "grad: ", options.grad_outputs.size(), " grad_outputs for ", outputs.size(),
               " outputs");
  std::vector<Variable> seeds;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    MINIDL_CHECK(outputs[i].defined(), "grad: output ", i, " is undefined");
    MINIDL_CHECK(outputs[i].requires_grad(), "grad: output ", i, " (shape ",
                 shape_str(outputs[i].shape()), ") does not require grad");
    Variable s = options.grad_outputs.empty() || !options.grad_outputs[i].defined()
                     ? default_seed(outputs[i], "grad")
                     : options.grad_outputs[i];
    check_seed(outputs[i], s, "grad");
    seeds.push_back(s);
  }
  std::unordered_map<VariableImpl*, std::size_t> capture;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    MINIDL_CHECK(inputs[i].defined() && inputs[i].requires_grad(), "grad: input ", i,
                 " does not require grad");
    capture.emplace(inputs[i].impl(), i);
  }
  std::vector<Variable> result(inputs.size());
  Walk walk;
  walk.keep_graph = options.retain_graph || options.create_graph;
  walk.create_graph = options.create_graph;
  walk.capture = &capture;
  walk.captured = &result;
  walk.run(outputs, seeds);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (result[i].defined()) continue;
    // Two handles to one variable share a slot; copy it.
    auto it = capture.find(inputs[i].impl());
    if (it->second != i && result[it->second].defined()) {
      result[i] = result[it->second];
      continue;
    }
    MINIDL_CHECK(options.allow_unused, "grad: input ", i, " (shape ", shape_str(inputs[i].shape()),
                 ") is not used by the outputs; pass allow_unused = true to get zeros");
    if (!options.undefined_unused) result[i] = Variable(zeros_like(inputs[i].value()));
  }
  return result;
}

std::vector<std::shared_ptr<Node>> live_tape_nodes() {
  std::vector<std::shared_ptr<Node>> out;
  for (const auto& e : current_tape().entries)
    if (auto n = e.node.lock()) out.push_back(std::move(n));
  return out;
}

std::size_t tape_size() {
  std::size_t n = 0;
  for (const auto& e : current_tape().entries) n += e.node.expired() ? 0 : 1;
  return n;
}

}  // namespace minidl
