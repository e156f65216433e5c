// The profiler: op counts against the tape, nesting and self time on a synthetic clock, FLOPs,
// the Chrome trace's structure, and nothing recorded when no profiler runs. No timing assertions:
// every duration here comes from a clock the test drives.
#include "autograd/profiler.h"

#include <doctest/doctest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "autograd/scope.h"
#include "autograd/tape.h"
#include "tensor/error.h"
#include "tensor/ops.h"
#include "tensor/random.h"

namespace minidl {
namespace {

using nlohmann::json;

// A two-layer perceptron step on [4, 3] inputs: every op touches a parameter, so every forward
// call records a node.
struct TinyNet {
  Generator gen{7};
  Variable w1{randn({3, 5}, gen), true}, b1{randn({5}, gen), true};
  Variable w2{randn({5, 2}, gen), true};
  Tensor x = randn({4, 3}, gen);
  Variable loss() {
    Variable h;
    {
      NameScope fc1("fc1");
      h = relu(add(matmul(Variable(x), w1), b1));
    }
    NameScope l("loss");
    return mean(mul(matmul(h, w2), matmul(h, w2)));
  }
};

std::map<std::string, std::int64_t> tape_counts() {
  std::map<std::string, std::int64_t> counts;
  for (const TapeNode& n : tape_nodes()) ++counts[n.op];
  return counts;
}

}  // namespace

TEST_CASE("profiler: forward and backward counts equal the tape's nodes for a model step") {
  TinyNet net;
  Profiler prof;
  Variable loss = net.loss();
  const auto counts = tape_counts();  // before backward frees the inputs
  REQUIRE(counts.size() >= 4);
  backward(loss);
  const ProfileReport rep = prof.report();
  std::size_t nodes = 0;
  for (const auto& entry : counts) {  // not a binding: CAPTURE's lambda (clang < 16)
    const std::string& op = entry.first;
    const std::int64_t n = entry.second;
    CAPTURE(op);
    CHECK(rep.calls(op, ProfileKind::kForward) == n);
    CHECK(rep.find(op, ProfileKind::kForward)->taped == n);
    CHECK(rep.calls(op, ProfileKind::kBackward) == n);
    nodes += static_cast<std::size_t>(n);
  }
  std::int64_t forward = 0, backward_events = 0;
  for (const auto& r : rep.rows) {
    if (r.kind == ProfileKind::kForward) forward += r.calls;
    if (r.kind == ProfileKind::kBackward) backward_events += r.calls;
    CHECK(r.untimed == 0);
  }
  // The backward's own matmuls, adds and muls are its work, not forward calls.
  CHECK(forward == static_cast<std::int64_t>(nodes));
  CHECK(backward_events == static_cast<std::int64_t>(nodes));
  CHECK(rep.calls("backward", ProfileKind::kScope) == 1);
  CHECK(rep.calls("fc1", ProfileKind::kScope) == 1);
  CHECK(rep.calls("loss", ProfileKind::kScope) == 1);
}

TEST_CASE("profiler: a call that records no node is a forward call, not a taped one") {
  Profiler prof;
  Variable c = mul(Variable(ones({3})), Variable(ones({3})));  // no input requires grad
  {
    NoGradGuard no_grad;
    Variable d = mul(Variable(ones({3}), true), Variable(ones({3})));
  }
  Variable e = mul(Variable(ones({3}), true), Variable(ones({3})));
  const ProfileReport rep = prof.report();
  const ProfileRow* row = rep.find("mul", ProfileKind::kForward);
  REQUIRE(row);
  CHECK(row->calls == 3);
  CHECK(row->taped == 1);
}

TEST_CASE("profiler: nothing is recorded when no profiler runs") {
  TinyNet net;
  CHECK_FALSE(detail::profiling());
  backward(net.loss());  // before any profiler
  Profiler prof;
  prof.stop();
  CHECK_FALSE(detail::profiling());
  backward(net.loss());  // after it stopped
  const ProfileReport rep = prof.report();
  CHECK(rep.rows.empty());
  CHECK(rep.events == 0);
  const json trace = json::parse(prof.trace_json());
  for (const auto& e : trace["traceEvents"]) CHECK(e["ph"] == "M");
}

TEST_CASE("profiler: self time is total minus the nested events (synthetic clock)") {
  std::int64_t t = 0;
  Profiler prof({.clock = [&t] { return t; }});
  {
    ProfileScope step("train_step", ProfileKind::kStep);
    t = 100;
    {
      NameScope fc("fc");
      t = 150;
      {
        ProfileScope inner("inner");
        t = 400;
      }
      t = 500;
    }
    t = 1000;
  }
  const ProfileReport rep = prof.report();
  const ProfileRow* step = rep.find("train_step", ProfileKind::kStep);
  const ProfileRow* fc = rep.find("fc", ProfileKind::kScope);
  const ProfileRow* inner = rep.find("fc.inner", ProfileKind::kScope);
  const ProfileRow* inner_name = rep.find("inner", ProfileKind::kScope);
  REQUIRE(step);
  REQUIRE(fc);
  CHECK(inner == nullptr);  // ProfileScope names are its own, not scope paths
  REQUIRE(inner_name);
  CHECK(step->total_ms == doctest::Approx(1000e-6));
  CHECK(step->self_ms == doctest::Approx(600e-6));  // 1000 - fc's 400
  CHECK(fc->total_ms == doctest::Approx(400e-6));
  CHECK(fc->self_ms == doctest::Approx(150e-6));  // 400 - inner's 250
  CHECK(inner_name->self_ms == doctest::Approx(250e-6));
  CHECK(rep.wall_ms == doctest::Approx(1000e-6));
}

TEST_CASE("profiler: a primitive's self time excludes the primitive nested in it") {
  // A clock that advances 1 us per reading: add(float32, float64) casts its float32 operand
  // (a nested `to`) between its own start and end.
  std::int64_t ticks = 0;
  Profiler prof({.clock = [&ticks] { return 1000 * ticks++; }});
  Variable a(ones({3}, kFloat32), true), b(ones({3}, kFloat64), true);
  Variable c = add(a, b);
  const ProfileReport rep = prof.report();
  const ProfileRow* add_row = rep.find("add", ProfileKind::kForward);
  const ProfileRow* to_row = rep.find("to", ProfileKind::kForward);
  REQUIRE(add_row);
  REQUIRE(to_row);
  // Readings: add starts (1), to starts (2), to ends (3), add ends (4).
  CHECK(to_row->total_ms == doctest::Approx(1e-3));
  CHECK(add_row->total_ms == doctest::Approx(3e-3));
  CHECK(add_row->self_ms == doctest::Approx(2e-3));
}

TEST_CASE("profiler: matmul FLOPs are 2 M N K in either orientation, backward FLOPs its work") {
  Generator gen(1);
  Variable a(randn({4, 3}, gen), true), b(randn({5, 3}, gen), true);
  Profiler prof;
  Variable y = matmul(a, b, false, true);  // [4, 5], K = 3
  backward(sum(y));
  const ProfileReport rep = prof.report();
  const ProfileRow* fwd = rep.find("matmul", ProfileKind::kForward);
  const ProfileRow* bwd = rep.find("matmul", ProfileKind::kBackward);
  REQUIRE(fwd);
  REQUIRE(bwd);
  CHECK(fwd->calls == 1);
  CHECK(fwd->flops == 2 * 4 * 5 * 3);
  CHECK(fwd->bytes == (12 + 15 + 20) * 4);
  CHECK(bwd->flops == 2 * 2 * 4 * 5 * 3);  // dA and dB, one product each
  const ProfileRow* sum_row = rep.find("sum", ProfileKind::kForward);
  REQUIRE(sum_row);
  CHECK(sum_row->flops == 20);
}

TEST_CASE("profiler: the Chrome trace is JSON with one X event per op, node and scope") {
  TinyNet net;
  Profiler prof;
  {
    ProfileScope step("train_step", ProfileKind::kStep);
    backward(net.loss());
  }
  const ProfileReport rep = prof.report();
  const json trace = json::parse(prof.trace_json());
  REQUIRE(trace["traceEvents"].is_array());
  std::int64_t x_events = 0, steps = 0;
  bool saw_matmul = false;
  for (const auto& e : trace["traceEvents"]) {
    if (e["ph"] != "X") continue;
    ++x_events;
    CHECK(e["pid"] == 1);
    CHECK(e["ts"].is_number());
    CHECK(e["dur"].get<double>() >= 0);
    const std::string cat = e["cat"];
    CHECK((cat == "forward" || cat == "backward" || cat == "scope" || cat == "step"));
    if (cat == "step") ++steps;
    if (e["name"] == "matmul" && cat == "forward" && e["args"]["scope"] == "fc1") {
      saw_matmul = true;
      CHECK(e["args"]["inputs"] == json::parse("[[4,3],[3,5]]"));
      CHECK(e["args"]["output"] == json::parse("[4,5]"));
      CHECK(e["args"]["flops"] == 2 * 4 * 5 * 3);
    }
  }
  CHECK(saw_matmul);
  CHECK(steps == 1);
  CHECK(x_events == rep.events);
  CHECK(rep.trace_events == rep.events);
}

TEST_CASE("profiler: the trace keeps at most max_trace_events; the table counts them all") {
  Profiler prof({.max_trace_events = 3});
  Variable x(ones({2}), true);
  for (int i = 0; i < 10; ++i) x = add_scalar(x, 1.0);
  const ProfileReport rep = prof.report();
  CHECK(rep.calls("add_scalar", ProfileKind::kForward) == 10);
  CHECK(rep.trace_events == 3);
}

TEST_CASE("profiler: the table names ops and scopes; one profiler at a time") {
  TinyNet net;
  Profiler prof;
  CHECK_THROWS_WITH_AS(Profiler(), doctest::Contains("already recording"), minidl::Error);
  {
    ProfileScope step("train_step", ProfileKind::kStep);
    backward(net.loss());
  }
  const std::string table = prof.table();
  CHECK(table.find("1 training steps") != std::string::npos);
  CHECK(table.find("matmul") != std::string::npos);
  CHECK(table.find("fc1") != std::string::npos);
  CHECK(table.find("backward") != std::string::npos);
  Profiler second;  // the first stopped when it was read
  CHECK(second.recording());
  CHECK_FALSE(prof.recording());
}

}  // namespace minidl
