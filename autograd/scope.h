// Name scopes: which part of a program recorded each tape node (layer 1).
//
//   { NameScope guard("loss"); Variable l = cross_entropy(logits, y); }   // nodes get "loss"
//
// A thread-local stack of names; the current scope is the dotted path of the stack ("encoder.fc2").
// nn::Module::operator() pushes the module's name (given when it is registered as a child), so
// nodes recorded inside model(x) carry "fc1", "0", "encoder.fc2"; train::fit scopes its loss call
// as "loss". Printing (print_tape) and the DOT export group nodes by it, and a Profiler
// (autograd/profiler.h) records each scope as an event named by its path.
//
// Cost: a path is interned when a scope is pushed, into a process-wide set that is never freed, so
// record() copies one pointer and a node can outlive every guard. The set grows with the number of
// distinct paths, not with the number of pushes: scope by program structure (layers, "loss"), not
// by step numbers.
#pragma once

#include <cstdint>
#include <string_view>

namespace minidl {

// The dotted path of this thread's scope stack ("" at top level). The pointer stays valid for the
// life of the process.
const char* current_scope();

// The process-wide interned copy of `text` (the same pointer for equal texts, never freed). Scope
// paths and the ops' attribute texts live there; keep what you intern to a bounded set.
const char* intern_string(std::string_view text);

class NameScope {
 public:
  // Pushes `name` (non-empty; may itself be dotted) under the current scope. An empty name pushes
  // nothing, so callers need not branch.
  explicit NameScope(std::string_view name);
  ~NameScope();
  NameScope(const NameScope&) = delete;
  NameScope& operator=(const NameScope&) = delete;

 private:
  const char* prev_;
  std::uint32_t profiled_ = 0;  // the profiler's session it opened an event in (profiler.h)
};

}  // namespace minidl
