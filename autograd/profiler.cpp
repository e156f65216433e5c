// The profiler's recording side: sessions, per-thread event stacks, the hooks the ops, the engine
// and the scopes call, and what each op's FLOPs and bytes are (autograd/profiler.h says what is
// recorded; profile_report.cpp formats it).
#include "autograd/profiler.h"

#include <chrono>
#include <cstring>
#include <mutex>

#include "autograd/profiler_internal.h"
#include "autograd/tape.h"

namespace minidl {
namespace detail {
namespace {

std::mutex g_mutex;                            // guards g_current
std::shared_ptr<Profiler::Session> g_current;  // the recording session, or null
std::atomic<std::uint32_t> g_running_id{0};    // its id (0: none)
std::uint32_t g_next_id = 1;

// One open event on a thread's stack.
struct Open {
  const char* name = nullptr;  // null: an OpTimer whose record() has not come yet
  ProfileKind kind = ProfileKind::kForward;
  bool ops_are_work = false;  // primitives inside add their FLOPs here instead of timing
  bool taped = false;         // a forward call that recorded a tape node
  std::int64_t start = 0;
  std::int64_t child = 0;  // durations of direct children
  double flops = 0, bytes = 0;
  std::string args;
  const char* scope = "";
};

struct ThreadState {
  std::uint32_t session_id = 0;
  std::shared_ptr<Profiler::Session> session;
  std::shared_ptr<ThreadBuffer> buffer;
  std::vector<Open> stack;
  int work_depth = 0;  // > 0 inside a backward pass: primitives are work, not events
};

thread_local ThreadState t_state;

// This thread's state for the recording session (attaching to it on first use), or null when
// none is recording.
ThreadState* state() {
  ThreadState& t = t_state;
  const std::uint32_t id = g_running_id.load(std::memory_order_relaxed);
  if (id == 0) return nullptr;
  if (t.session_id == id) return &t;
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!g_current || g_current->id != id) return nullptr;
  t.session_id = id;
  t.session = g_current;
  t.stack.clear();
  t.work_depth = 0;
  t.buffer = std::make_shared<ThreadBuffer>();
  {
    std::lock_guard<std::mutex> slock(g_current->mutex);
    t.buffer->tid = static_cast<int>(g_current->buffers.size());
    g_current->buffers.push_back(t.buffer);
  }
  return &t;
}

std::int64_t now(const Profiler::Session& s) {
  if (s.options.clock) return s.options.clock();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void shape_json(std::string& out, const Shape& s) {
  out += '[';
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(s[i]);
  }
  out += ']';
}

bool is_one_of(const char* op, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (std::strcmp(op, n) == 0) return true;
  return false;
}

// FLOPs and bytes of one primitive call (autograd/profiler.h lists the rules).
void op_work(const char* op, const Tensor& out, const std::vector<Variable>& inputs, double& flops,
             double& bytes) {
  const double n_out = static_cast<double>(out.numel());
  flops = 0;
  bytes = 0;
  if (is_one_of(op, {"reshape", "expand"})) return;
  bytes = static_cast<double>(out.nbytes());
  for (const auto& in : inputs) bytes += static_cast<double>(in.value().nbytes());
  if (std::strcmp(op, "matmul") == 0 && out.dim() >= 2 && !inputs.empty() && inputs[0].dim() >= 2 &&
      out.shape()[out.dim() - 2] > 0) {
    // a's last two axes hold M K elements in either orientation.
    const Shape& a = inputs[0].shape();
    const double mk = static_cast<double>(a[a.size() - 2]) * static_cast<double>(a.back());
    flops = 2 * n_out * mk / static_cast<double>(out.shape()[out.dim() - 2]);
  } else if (std::strcmp(op, "addmm") == 0 && out.dim() == 2 && inputs.size() == 3 &&
             out.shape()[0] > 0) {
    // The product's 2 M N K (a is M K elements in either orientation) and the bias's M N adds.
    const double mk = static_cast<double>(inputs[1].numel());
    flops = 2 * n_out * mk / static_cast<double>(out.shape()[0]) + n_out;
  } else if (is_one_of(op, {"sum", "amax"})) {
    flops = inputs.empty() ? 0 : static_cast<double>(inputs[0].numel());
  } else if (is_one_of(op, {"add",        "sub",  "mul",  "div",   "pow",   "add_scalar",
                            "mul_scalar", "neg",  "exp",  "log",   "log1p", "expm1",
                            "sqrt",       "erf",  "atan", "sin",   "cos",   "tanh",
                            "sigmoid",    "relu", "abs",  "where", "clamp", "softplus"})) {
    flops = n_out;
  }
}

// Pops the top event, ending now: sums it into its name's row, keeps it for the trace.
void complete(ThreadState& t) {
  Open e = std::move(t.stack.back());
  t.stack.pop_back();
  Profiler::Session& s = *t.session;
  const std::int64_t end = now(s);
  const std::int64_t dur = end - e.start;
  if (!t.stack.empty()) t.stack.back().child += dur;
  if (g_running_id.load(std::memory_order_relaxed) != t.session_id) return;
  ThreadBuffer& b = *t.buffer;
  std::lock_guard<std::mutex> lock(b.mutex);
  RowSum& r = b.rows[{e.name, e.kind}];
  r.calls += 1;
  r.taped += e.taped ? 1 : 0;
  r.total_ns += dur;
  r.self_ns += dur - e.child;
  r.flops += e.flops;
  r.bytes += e.bytes;
  ++b.events;
  if (s.options.trace && s.kept.fetch_add(1, std::memory_order_relaxed) <
                             static_cast<std::int64_t>(s.options.max_trace_events)) {
    b.trace.push_back(
        {e.name, e.kind, e.start - s.start_ns, dur, e.flops, e.bytes, std::move(e.args), e.scope});
  }
}

std::uint32_t push(ThreadState& t, const char* name, ProfileKind kind, bool ops_are_work,
                   std::string args) {
  Open e;
  e.name = name;
  e.kind = kind;
  e.ops_are_work = ops_are_work;
  e.args = std::move(args);
  if (ops_are_work) ++t.work_depth;
  e.start = now(*t.session);
  t.stack.push_back(std::move(e));
  return t.session_id;
}

}  // namespace

std::uint32_t profile_begin(const char* name, ProfileKind kind, bool ops_inside_are_work,
                            std::string args) {
  ThreadState* t = state();
  // Scopes opened by a backward function belong to its backward event, like its primitives.
  if (!t || (t->work_depth > 0 && kind != ProfileKind::kBackward)) return 0;
  return push(*t, name, kind, ops_inside_are_work, std::move(args));
}

void profile_end(std::uint32_t session) {
  ThreadState& t = t_state;
  if (t.session_id != session || t.stack.empty()) return;
  if (t.stack.back().ops_are_work) --t.work_depth;
  complete(t);
}

std::uint32_t profile_node_begin(const Node& node) {
  ThreadState* t = state();
  if (!t) return 0;
  std::string args = "\"output\":";
  shape_json(args, node.out_shape);
  const std::uint32_t id = push(*t, node.op, ProfileKind::kBackward, true, std::move(args));
  t->stack.back().scope = node.scope;
  return id;
}

std::uint32_t profile_op_begin() {
  ThreadState* t = state();
  if (!t || t->work_depth > 0) return 0;
  return push(*t, nullptr, ProfileKind::kForward, false, {});
}

void profile_op_end(std::uint32_t session) {
  ThreadState& t = t_state;
  if (t.session_id != session || t.stack.empty()) return;
  if (t.stack.back().name == nullptr) {
    // record() never came (an error was thrown first): no event; its children count as the
    // parent's.
    const std::int64_t child = t.stack.back().child;
    t.stack.pop_back();
    if (!t.stack.empty()) t.stack.back().child += child;
    return;
  }
  complete(t);
}

void profile_op_recorded(const char* op, const Tensor& out, const std::vector<Variable>& inputs,
                         bool taped) {
  ThreadState* t = state();
  if (!t) return;
  double flops = 0, bytes = 0;
  op_work(op, out, inputs, flops, bytes);
  if (t->work_depth > 0) {
    if (!t->stack.empty()) {
      t->stack.back().flops += flops;
      t->stack.back().bytes += bytes;
    }
    return;
  }
  std::string args = "\"inputs\":[";
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (i) args += ',';
    shape_json(args, inputs[i].shape());
  }
  args += "],\"output\":";
  shape_json(args, out.shape());
  const bool timed = !t->stack.empty() && t->stack.back().kind == ProfileKind::kForward &&
                     t->stack.back().name == nullptr;
  if (!timed) {
    // A primitive without an OpTimer: a zero-length event, counted as untimed.
    push(*t, op, ProfileKind::kForward, false, {});
    t->stack.back().start = now(*t->session);
    {
      std::lock_guard<std::mutex> lock(t->buffer->mutex);
      t->buffer->rows[{op, ProfileKind::kForward}].untimed += 1;
    }
  }
  Open& e = t->stack.back();
  e.name = op;
  e.args = std::move(args);
  e.flops = flops;
  e.bytes = bytes;
  e.scope = current_scope();
  e.taped = taped;
  if (!timed) complete(*t);
}

void profile_add_work(double flops, double bytes) {
  ThreadState* t = state();
  if (!t || t->stack.empty()) return;
  t->stack.back().flops += flops;
  t->stack.back().bytes += bytes;
}

void profile_add_flops(std::uint32_t session, double flops) {
  ThreadState& t = t_state;
  if (t.session_id != session || t.stack.empty()) return;
  t.stack.back().flops += flops;
}

}  // namespace detail

using detail::g_current;
using detail::g_mutex;
using detail::g_running_id;

Profiler::Profiler(ProfilerOptions options) : session_(std::make_shared<Session>()) {
  session_->options = std::move(options);
  std::lock_guard<std::mutex> lock(g_mutex);
  MINIDL_CHECK(!g_current, "Profiler: another profiler is already recording; stop it first");
  session_->id = detail::g_next_id++;
  if (detail::g_next_id == 0) detail::g_next_id = 1;
  session_->start_ns = detail::now(*session_);
  g_current = session_;
  g_running_id.store(session_->id, std::memory_order_relaxed);
  detail::g_profiling.store(true, std::memory_order_relaxed);
}

Profiler::~Profiler() { stop(); }

void Profiler::stop() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_current != session_) return;
  detail::g_profiling.store(false, std::memory_order_relaxed);
  g_running_id.store(0, std::memory_order_relaxed);
  session_->stop_ns = detail::now(*session_);
  g_current.reset();
}

bool Profiler::recording() const {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_current == session_;
}

ProfileScope::ProfileScope(const char* name, ProfileKind kind) {
  if (detail::profiling()) session_ = detail::profile_begin(name, kind);
}
ProfileScope::~ProfileScope() {
  if (session_) detail::profile_end(session_);
}
void ProfileScope::add_flops(double flops) {
  if (session_) detail::profile_add_flops(session_, flops);
}

const char* profile_kind_name(ProfileKind kind) {
  switch (kind) {
    case ProfileKind::kForward:
      return "forward";
    case ProfileKind::kBackward:
      return "backward";
    case ProfileKind::kScope:
      return "scope";
    case ProfileKind::kStep:
      return "step";
  }
  return "?";
}

}  // namespace minidl
