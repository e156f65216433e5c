// The profiler (layer 1): where the time of a forward, a backward and a training step goes.
//
//   {
//     Profiler prof;                       // records while alive (one at a time per process)
//     train::fit(model, opt, loader, {...});
//     std::cout << prof.table();            // per op and per scope, sorted by time
//     prof.write_trace("run.trace.json");   // chrome://tracing or ui.perfetto.dev
//   }
//
// What is recorded, as a stack of nested events per thread:
//   forward   one event per primitive call (autograd/ops.h), named by the op ("matmul"), with its
//             input and output shapes, the scope it ran in, FLOPs and bytes where known:
//               matmul        FLOPs = 2 M N K per product (batch axes multiply)
//               addmm         FLOPs = 2 M N K + M N (the bias add)
//               elementwise   FLOPs = output elements (an exp counts as 1, like an add)
//               sum, amax     FLOPs = input elements
//               bytes         input + output tensor sizes: what the op must read and write at
//                             least (0 for reshape and expand, which are views); not cache traffic
//             Primitives run by a backward are not forward events: their time is the backward
//             event's, and their FLOPs and bytes are added to it.
//   backward  one event per node the engine runs (named by the node's op), inside one "backward"
//             scope per backward() / grad() call, whose self time is the engine's own work
//             (accumulating gradients, walking the tape).
//   scope     every NameScope (a module's forward: "fc1", "encoder.fc2"; the loss: "loss"), the
//             composites conv2d, conv_transpose2d and the pools, and any ProfileScope.
//   step      one per training step: train::fit, the GAN and the policy-gradient trainers open
//             ProfileScope("train_step", ProfileKind::kStep) (and "optimizer" for the update).
// Total time of an event = its duration; self time = total minus its direct children's totals.
//
// Cost when no profiler is alive: every primitive reads one relaxed atomic flag (twice: its
// OpTimer and record()), every NameScope and backward node once. Nothing is allocated.
// When alive: two clock reads and a few small allocations per event.
//
// Threads: each thread records its own stack; results are merged by name. Read the results
// (report, table, write_trace) after the work is done: they stop the profiler first.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "autograd/variable.h"

namespace minidl {

struct Node;  // autograd/tape.h

enum class ProfileKind : std::uint8_t { kForward, kBackward, kScope, kStep };
// "forward", "backward", "scope", "step" (the trace's "cat").
const char* profile_kind_name(ProfileKind kind);

struct ProfilerOptions {
  bool trace = true;  // keep every event for write_trace (the table needs none)
  // Events kept for the trace; later ones are counted in the table only. A Fashion CNN step is
  // ~150 events; 200k events make a ~30 MB file, about what chrome://tracing loads comfortably
  // (the quick tour's gan_study wrote 74 MB with a 500k cap).
  std::size_t max_trace_events = 200000;
  // Nanoseconds on a monotonic clock; empty = std::chrono::steady_clock. Tests pass a synthetic
  // clock so that nesting arithmetic is exact.
  std::function<std::int64_t()> clock = {};
};

// One name of one kind, summed over its events (and threads).
struct ProfileRow {
  std::string name;
  ProfileKind kind = ProfileKind::kForward;
  std::int64_t calls = 0;
  std::int64_t taped = 0;  // forward calls that put a node on the tape (the rest: no input
                           // required grad, or grad mode was off)
  double total_ms = 0;     // sum of durations (nested events of the same name count twice)
  double self_ms = 0;      // total minus the time of nested events
  double flops = 0;        // 0 where not known
  double bytes = 0;
  // Forward calls recorded by a primitive that opened no OpTimer: counted, not timed (a
  // primitive added without the one-line guard; ops_test checks there is none).
  std::int64_t untimed = 0;
};

struct ProfileReport {
  std::vector<ProfileRow> rows;   // by self time, largest first
  double wall_ms = 0;             // from the profiler's start to its stop
  std::int64_t events = 0;        // recorded (all kinds)
  std::int64_t trace_events = 0;  // kept for the trace
  int threads = 0;                // that recorded anything
  const ProfileRow* find(const std::string& name, ProfileKind kind) const;
  std::int64_t calls(const std::string& name, ProfileKind kind) const;  // 0 when absent
};

// The report as text: an op table (forward and backward per op, by total time) and a scope table
// (steps, modules, loss, backward passes, by total time), each cut to max_rows rows.
std::string format_profile(const ProfileReport& report, std::size_t max_rows = 30);

class Profiler {
 public:
  // Starts recording. Throws minidl::Error if another Profiler is recording.
  explicit Profiler(ProfilerOptions options = {});
  ~Profiler();
  Profiler(const Profiler&) = delete;
  Profiler& operator=(const Profiler&) = delete;

  void stop();  // idempotent; events still open then are dropped
  bool recording() const;

  ProfileReport report();
  std::string table(std::size_t max_rows = 30) { return format_profile(report(), max_rows); }
  // The Chrome trace (Trace Event Format, JSON object form): "X" events with ts and dur in
  // microseconds since the start, pid 1, tid = the recording thread's number, cat = the kind,
  // args = shapes, scope, FLOPs and bytes. write_trace writes it atomically.
  std::string trace_json();
  void write_trace(const std::string& path);

  struct Session;  // profiler.cpp

 private:
  std::shared_ptr<Session> session_;
};

// Opens an event of `kind` for its lifetime when a profiler is recording. `name` must outlive
// the profiler: a string literal or an interned string (autograd/scope.h).
class ProfileScope {
 public:
  explicit ProfileScope(const char* name, ProfileKind kind = ProfileKind::kScope);
  ~ProfileScope();
  ProfileScope(const ProfileScope&) = delete;
  ProfileScope& operator=(const ProfileScope&) = delete;
  // FLOPs done under this scope (conv2d's 2 N O L C kH kW), shown in its row.
  void add_flops(double flops);

 private:
  std::uint32_t session_ = 0;
};

namespace detail {

inline std::atomic<bool> g_profiling{false};
inline bool profiling() { return g_profiling.load(std::memory_order_relaxed); }

// The hooks (profiler.cpp). Each returns / takes the session id it opened in (0: nothing).
std::uint32_t profile_begin(const char* name, ProfileKind kind, bool ops_inside_are_work = false,
                            std::string args = {});
void profile_end(std::uint32_t session);
std::uint32_t profile_op_begin();
void profile_op_end(std::uint32_t session);
// Called by record() for every primitive call (grad mode or not); taped: it records a node.
void profile_op_recorded(const char* op, const Tensor& out, const std::vector<Variable>& inputs,
                         bool taped);
void profile_add_flops(std::uint32_t session, double flops);
// Work done with tensors instead of primitives (a plain backward's side-by-side products,
// autograd/linalg_ops.cpp), added to this thread's innermost open event.
void profile_add_work(double flops, double bytes);
std::uint32_t profile_node_begin(const Node& node);

// The first line of every function that calls record(): times the primitive from before its
// kernel runs until it returns; record() names the event and gives it its shapes.
class OpTimer {
 public:
  OpTimer() {
    if (profiling()) session_ = profile_op_begin();
  }
  ~OpTimer() {
    if (session_) profile_op_end(session_);
  }
  OpTimer(const OpTimer&) = delete;
  OpTimer& operator=(const OpTimer&) = delete;

 private:
  std::uint32_t session_ = 0;
};

// The engine's hooks: one per backward()/grad() call (its primitives become the work of the
// backward events inside), one per node it runs.
class BackwardPassTimer {
 public:
  BackwardPassTimer() {
    if (profiling()) session_ = profile_begin("backward", ProfileKind::kScope, true);
  }
  ~BackwardPassTimer() {
    if (session_) profile_end(session_);
  }
  BackwardPassTimer(const BackwardPassTimer&) = delete;
  BackwardPassTimer& operator=(const BackwardPassTimer&) = delete;

 private:
  std::uint32_t session_ = 0;
};

class BackwardNodeTimer {
 public:
  explicit BackwardNodeTimer(const Node& node) {
    if (profiling()) session_ = profile_node_begin(node);
  }
  ~BackwardNodeTimer() {
    if (session_) profile_end(session_);
  }
  BackwardNodeTimer(const BackwardNodeTimer&) = delete;
  BackwardNodeTimer& operator=(const BackwardNodeTimer&) = delete;

 private:
  std::uint32_t session_ = 0;
};

}  // namespace detail
}  // namespace minidl
