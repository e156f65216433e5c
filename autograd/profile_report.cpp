// The profiler's results: rows merged over threads, the text table, and the Chrome trace
// (Trace Event Format: {"traceEvents": [{"name", "cat", "ph": "X", "ts", "dur", "pid", "tid",
// "args"}, ...]}, times in microseconds; chrome://tracing and ui.perfetto.dev open it).
#include <algorithm>
#include <cstdio>
#include <map>

#include "autograd/profiler.h"
#include "autograd/profiler_internal.h"
#include "tensor/error.h"
#include "tensor/file_util.h"

namespace minidl {
namespace {

// A JSON string literal (names come from user module names, so quote and escape).
void json_string(std::string& out, const char* s) {
  out += '"';
  for (; *s; ++s) {
    const unsigned char c = static_cast<unsigned char>(*s);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// Right-aligned columns after a left-aligned first one.
std::string format_rows(const std::vector<std::vector<std::string>>& cells) {
  std::vector<std::size_t> width;
  for (const auto& row : cells) {
    width.resize(std::max(width.size(), row.size()), 0);
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : cells) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      const std::string pad(width[i] - row[i].size(), ' ');
      line += i == 0 ? row[i] + pad : "  " + pad + row[i];
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace

const ProfileRow* ProfileReport::find(const std::string& name, ProfileKind kind) const {
  for (const auto& r : rows)
    if (r.kind == kind && r.name == name) return &r;
  return nullptr;
}

std::int64_t ProfileReport::calls(const std::string& name, ProfileKind kind) const {
  const ProfileRow* r = find(name, kind);
  return r ? r->calls : 0;
}

ProfileReport Profiler::report() {
  stop();
  ProfileReport rep;
  rep.wall_ms = static_cast<double>(session_->stop_ns - session_->start_ns) * 1e-6;
  std::map<std::pair<std::string, ProfileKind>, ProfileRow> merged;
  std::lock_guard<std::mutex> slock(session_->mutex);
  for (const auto& b : session_->buffers) {
    std::lock_guard<std::mutex> lock(b->mutex);
    if (b->events > 0) ++rep.threads;
    rep.events += b->events;
    rep.trace_events += static_cast<std::int64_t>(b->trace.size());
    for (const auto& [key, sum] : b->rows) {
      ProfileRow& r = merged[{key.first, key.second}];
      r.name = key.first;
      r.kind = key.second;
      r.calls += sum.calls;
      r.taped += sum.taped;
      r.total_ms += static_cast<double>(sum.total_ns) * 1e-6;
      r.self_ms += static_cast<double>(sum.self_ns) * 1e-6;
      r.flops += sum.flops;
      r.bytes += sum.bytes;
      r.untimed += sum.untimed;
    }
  }
  for (auto& [key, row] : merged) rep.rows.push_back(std::move(row));
  std::stable_sort(rep.rows.begin(), rep.rows.end(),
                   [](const ProfileRow& a, const ProfileRow& b) { return a.self_ms > b.self_ms; });
  return rep;
}

std::string format_profile(const ProfileReport& rep, std::size_t max_rows) {
  // Ops: forward (self: without nested primitives, e.g. a dtype cast) and backward per name.
  struct OpLine {
    const ProfileRow* fwd = nullptr;
    const ProfileRow* bwd = nullptr;
    double total() const { return (fwd ? fwd->self_ms : 0) + (bwd ? bwd->self_ms : 0); }
  };
  std::map<std::string, OpLine> ops;
  std::vector<const ProfileRow*> scopes;
  std::int64_t steps = 0;
  double step_ms = 0, op_ms = 0;
  for (const auto& r : rep.rows) {
    if (r.kind == ProfileKind::kForward) ops[r.name].fwd = &r;
    if (r.kind == ProfileKind::kBackward) ops[r.name].bwd = &r;
    if (r.kind == ProfileKind::kScope || r.kind == ProfileKind::kStep) scopes.push_back(&r);
    if (r.kind == ProfileKind::kStep) {
      steps += r.calls;
      step_ms += r.total_ms;
    }
  }
  std::vector<std::pair<std::string, OpLine>> op_lines(ops.begin(), ops.end());
  std::stable_sort(op_lines.begin(), op_lines.end(), [](const auto& a, const auto& b) {
    return a.second.total() > b.second.total();
  });
  for (const auto& [name, l] : op_lines) op_ms += l.total();
  std::stable_sort(scopes.begin(), scopes.end(), [](const ProfileRow* a, const ProfileRow* b) {
    return a->total_ms > b->total_ms;
  });

  std::string out = "profile: " + fixed(rep.wall_ms, 1) + " ms recorded on " +
                    std::to_string(rep.threads) + (rep.threads == 1 ? " thread, " : " threads, ") +
                    std::to_string(rep.events) + " events";
  if (steps > 0)
    out += ", " + std::to_string(steps) + " training steps (" +
           fixed(step_ms / static_cast<double>(steps), 2) + " ms per step)";
  out += "\n  ops: " + fixed(op_ms, 1) + " ms in primitives (" +
         fixed(rep.wall_ms > 0 ? 100 * op_ms / rep.wall_ms : 0, 1) + "% of the recorded time)\n\n";

  std::vector<std::vector<std::string>> cells = {{"op", "fwd calls", "taped", "fwd ms", "bwd calls",
                                                  "bwd ms", "total ms", "share", "GFLOP", "GFLOP/s",
                                                  "fwd MB"}};
  for (std::size_t i = 0; i < op_lines.size() && i < max_rows; ++i) {
    const auto& [name, l] = op_lines[i];
    const double flops = (l.fwd ? l.fwd->flops : 0) + (l.bwd ? l.bwd->flops : 0);
    const std::int64_t untimed = l.fwd ? l.fwd->untimed : 0;
    cells.push_back(
        {name + (untimed ? " (untimed)" : ""), l.fwd ? std::to_string(l.fwd->calls) : "0",
         l.fwd ? std::to_string(l.fwd->taped) : "0", l.fwd ? fixed(l.fwd->self_ms, 2) : "-",
         l.bwd ? std::to_string(l.bwd->calls) : "0", l.bwd ? fixed(l.bwd->self_ms, 2) : "-",
         fixed(l.total(), 2), fixed(op_ms > 0 ? 100 * l.total() / op_ms : 0, 1) + "%",
         flops > 0 ? fixed(flops * 1e-9, 3) : "-",
         flops > 0 && l.total() > 0 ? fixed(flops * 1e-6 / l.total(), 2) : "-",
         l.fwd && l.fwd->bytes > 0 ? fixed(l.fwd->bytes / 1048576.0, 1) : "-"});
  }
  out += format_rows(cells);
  if (op_lines.size() > max_rows)
    out += "  ... " + std::to_string(op_lines.size() - max_rows) + " more ops\n";
  out +=
      "  taped: forward calls that recorded a tape node; fwd ms: the op's own time (nested "
      "primitives, e.g. a dtype cast, are their own rows); "
      "bwd ms: its backward, with the primitives it runs; GFLOP: forward + backward\n\n";

  cells = {{"scope", "kind", "calls", "total ms", "self ms", "ms/call", "GFLOP/s"}};
  for (std::size_t i = 0; i < scopes.size() && i < max_rows; ++i) {
    const ProfileRow& r = *scopes[i];
    cells.push_back({r.name.empty() ? "(top)" : r.name, profile_kind_name(r.kind),
                     std::to_string(r.calls), fixed(r.total_ms, 2), fixed(r.self_ms, 2),
                     fixed(r.total_ms / static_cast<double>(std::max<std::int64_t>(1, r.calls)), 3),
                     r.flops > 0 && r.total_ms > 0 ? fixed(r.flops * 1e-6 / r.total_ms, 2) : "-"});
  }
  out += format_rows(cells);
  if (scopes.size() > max_rows)
    out += "  ... " + std::to_string(scopes.size() - max_rows) + " more scopes\n";
  out +=
      "  total: time inside the scope; self: not inside a nested scope or op (for a backward "
      "pass: the engine's own work)\n";
  return out;
}

std::string Profiler::trace_json() {
  stop();
  std::string out = "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n";
  out +=
      "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,\"args\":{\"name\":\"minidl\"}}";
  std::lock_guard<std::mutex> slock(session_->mutex);
  char buf[160];
  for (const auto& b : session_->buffers) {
    std::lock_guard<std::mutex> lock(b->mutex);
    std::snprintf(buf, sizeof buf,
                  ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%d,\"args\":{"
                  "\"name\":\"thread %d\"}}",
                  b->tid, b->tid);
    out += buf;
    for (const auto& e : b->trace) {
      out += ",\n{\"name\":";
      json_string(out, e.name);
      std::snprintf(buf, sizeof buf, ",\"cat\":\"%s\",\"ph\":\"X\",\"ts\":%.3f,\"dur\":%.3f,",
                    profile_kind_name(e.kind), static_cast<double>(e.ts_ns) * 1e-3,
                    static_cast<double>(e.dur_ns) * 1e-3);
      out += buf;
      std::snprintf(buf, sizeof buf, "\"pid\":1,\"tid\":%d,\"args\":{", b->tid);
      out += buf;
      std::string args = e.args;
      auto member = [&args](const std::string& m) {
        if (!args.empty()) args += ',';
        args += m;
      };
      if (e.scope && *e.scope) {
        std::string s = "\"scope\":";
        json_string(s, e.scope);
        member(s);
      }
      if (e.flops > 0) member("\"flops\":" + fixed(e.flops, 0));
      if (e.bytes > 0) member("\"bytes\":" + fixed(e.bytes, 0));
      out += args + "}}";
    }
  }
  out += "\n]}\n";
  return out;
}

void Profiler::write_trace(const std::string& path) {
  MINIDL_CHECK(!path.empty(), "Profiler::write_trace: empty path");
  write_file_atomic(path, trace_json());
}

}  // namespace minidl
