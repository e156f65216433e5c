// What a profiling session holds, shared by profiler.cpp (recording) and profile_report.cpp
// (the table and the trace). Not a public header.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "autograd/profiler.h"

namespace minidl {
namespace detail {

struct RowSum {
  std::int64_t calls = 0, taped = 0, total_ns = 0, self_ns = 0, untimed = 0;
  double flops = 0, bytes = 0;
};

struct TraceEvent {
  const char* name;
  ProfileKind kind;
  std::int64_t ts_ns;  // since the session's start
  std::int64_t dur_ns;
  double flops, bytes;
  std::string args;   // JSON members without braces: "inputs":[[4,3]],"output":[4,2]
  const char* scope;  // the NameScope path it ran in
};

// One thread's results. Names are literals or interned, so the pointer is the key.
struct ThreadBuffer {
  std::mutex mutex;
  int tid = 0;
  std::int64_t events = 0;
  std::map<std::pair<const char*, ProfileKind>, RowSum> rows;
  std::vector<TraceEvent> trace;
};

}  // namespace detail

struct Profiler::Session {
  std::uint32_t id = 0;
  ProfilerOptions options;
  std::int64_t start_ns = 0, stop_ns = 0;
  std::atomic<std::int64_t> kept{0};  // trace events kept, over all threads
  std::mutex mutex;                   // guards buffers
  std::vector<std::shared_ptr<detail::ThreadBuffer>> buffers;
};

}  // namespace minidl
