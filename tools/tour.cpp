#include "tools/tour.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "losses/registry.h"
#include "tensor/error.h"
#include "tensor/file_util.h"

extern char** environ;

namespace minidl::tools {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// The studies of the loss issues: programs that compare several losses or methods on one task.
struct Study {
  const char* program;
  const char* family;
};
constexpr Study kStudies[] = {
    {"imbalance_study", "imbalance"},
    {"label_noise", "robust"},
    {"uncertainty", "probabilistic"},
    {"multitask", "composition"},
    {"few_shot", "metric"},
    {"verification", "metric"},
    {"bandit", "policy_gradient"},
    {"gan_study", "gan"},
    {"box_loss_study", "detection"},
    {"retrieval_at_scale", "metric"},
    {"rl_study", "policy_gradient"},
    {"gan_fashion", "gan"},
    {"detector", "detection"},
    {"fairness_study", "robust"},
    {"cross_validation", "regularization"},
    {"simclr", "metric"},
};

// The examples of issue 11's policy-gradient trainers, run like the studies.
constexpr Study kTrainerExamples[] = {
    {"reinforce_cartpole", "policy_gradient"}, {"a2c_cartpole", "policy_gradient"},
    {"ppo_cartpole", "policy_gradient"},       {"ppo_acrobot", "policy_gradient"},
    {"ppo_pendulum", "policy_gradient"},
};

struct Run {
  TourEntry entry;
  pid_t pid = -1;
  Clock::time_point start{};
  double seconds = 0;
  std::string status = "";  // "ok" or why it failed
  json result{};            // result.json, when the program wrote one
};

fs::path self_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::current_path() : exe.parent_path();
}

// Starts `program --quick --out dir` with stdout and stderr going to dir/log.txt; with profile,
// also `--profile dir/<program>.trace.json` (the profile's table goes to the log).
pid_t spawn(const fs::path& program, const fs::path& dir, bool quick, bool profile) {
  const std::string prog = program.string(), out = dir.string(), log = (dir / "log.txt").string();
  std::vector<std::string> args = {prog};
  if (quick) args.push_back("--quick");
  args.push_back("--out");
  args.push_back(out);
  if (profile) {
    args.push_back("--profile");
    args.push_back((dir / (program.filename().string() + ".trace.json")).string());
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, prog.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

std::string exit_status(int wstatus) {
  if (WIFEXITED(wstatus)) {
    const int code = WEXITSTATUS(wstatus);
    if (code == 0) return "ok";
    return code == 1 ? "FAILED (exit 1)" : "FAILED (exit " + std::to_string(code) + ")";
  }
  if (WIFSIGNALED(wstatus)) return "FAILED (signal " + std::to_string(WTERMSIG(wstatus)) + ")";
  return "FAILED";
}

void finish(Run& run, const fs::path& dir, int wstatus) {
  run.seconds = std::chrono::duration<double>(Clock::now() - run.start).count();
  if (run.status.empty()) run.status = exit_status(wstatus);
  std::ifstream in(dir / "result.json");
  if (in) {
    try {
      run.result = json::parse(in);
    } catch (const json::exception&) {
      run.result = json();
    }
  }
  if (run.status == "ok" && !run.result.is_object()) run.status = "FAILED (no result.json)";
}

std::string metric_cell(const json& r) {
  if (!r.is_object() || !r.contains("before")) return "-";
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s %.4f -> %.4f", r.value("metric", std::string("?")).c_str(),
                r.value("before", 0.0), r.value("after", 0.0));
  return buf;
}

}  // namespace

std::vector<TourEntry> tour_entries() {
  std::vector<TourEntry> out;
  for (const losses::LossInfo& row : losses::registry())
    out.push_back({row.name, row.name, row.family});
  for (const Study& s : kStudies) out.push_back({s.program, "", s.family});
  for (const Study& s : kTrainerExamples) out.push_back({s.program, "", s.family});
  return out;
}

int run_tour(const TourOptions& options) {
  MINIDL_CHECK(options.jobs >= 1, "tour: jobs must be >= 1, got ", options.jobs);
  const fs::path bin = options.bin_dir.empty() ? self_dir() : fs::path(options.bin_dir);
  std::vector<Run> runs;
  for (const TourEntry& e : tour_entries()) {
    if (!options.only.empty() &&
        std::find(options.only.begin(), options.only.end(), e.program) == options.only.end())
      continue;
    if (!options.family.empty() && e.family != options.family) continue;
    runs.push_back({.entry = e});
  }
  MINIDL_CHECK(options.family.empty() || !runs.empty(), "tour: no examples in family '",
               options.family, "' (see `minidl losses`)");
  for (const std::string& name : options.only) {
    bool known = false;
    for (const Run& r : runs) known = known || r.entry.program == name;
    MINIDL_CHECK(known, "tour: unknown example '", name, "' (see `minidl losses`)");
  }
  const fs::path out(options.out_dir);
  std::printf("minidl tour: %zu examples (%s mode), programs in %s, output in %s\n", runs.size(),
              options.quick ? "quick" : "full", bin.c_str(), out.c_str());
  const auto tour_start = Clock::now();

  std::size_t next = 0, done = 0;
  std::vector<std::size_t> running;
  auto report = [&](const Run& r) {
    ++done;
    std::printf("[%zu/%zu] %-32s %-22s %6.1f s  %s\n", done, runs.size(), r.entry.program.c_str(),
                r.status.c_str(), r.seconds, metric_cell(r.result).c_str());
    std::fflush(stdout);
  };
  while (done < runs.size()) {
    while (running.size() < static_cast<std::size_t>(options.jobs) && next < runs.size()) {
      Run& r = runs[next];
      const fs::path dir = out / r.entry.program;
      fs::create_directories(dir);
      fs::remove(dir / "result.json");
      const fs::path program = bin / r.entry.program;
      r.start = Clock::now();
      if (!fs::exists(program)) {
        r.status = "FAILED (not built)";
        report(r);
      } else if ((r.pid = spawn(program, dir, options.quick, options.profile)) < 0) {
        r.status = "FAILED (cannot start)";
        report(r);
      } else {
        running.push_back(next);
      }
      ++next;
    }
    if (running.empty()) continue;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (std::size_t k = 0; k < running.size();) {
      Run& r = runs[running[k]];
      int wstatus = 0;
      const pid_t got = waitpid(r.pid, &wstatus, WNOHANG);
      const double elapsed = std::chrono::duration<double>(Clock::now() - r.start).count();
      if (got == 0 && elapsed > options.timeout_seconds) {
        kill(r.pid, SIGKILL);
        waitpid(r.pid, &wstatus, 0);
        r.status = "FAILED (timeout)";
      } else if (got == 0) {
        ++k;
        continue;
      }
      finish(r, out / r.entry.program, wstatus);
      report(r);
      running.erase(running.begin() + static_cast<std::ptrdiff_t>(k));
    }
  }
  const double total = std::chrono::duration<double>(Clock::now() - tour_start).count();

  // The table, in registry order.
  int failed = 0;
  json rows = json::array();
  int w_program = 12, w_metric = 22;
  for (const Run& r : runs) {
    w_program = std::max(w_program, static_cast<int>(r.entry.program.size()));
    w_metric = std::max(w_metric, static_cast<int>(metric_cell(r.result).size()));
  }
  std::printf("\n%-*s %-15s %-*s %8s  %s\n", w_program, "loss / study", "family", w_metric,
              "metric before -> after", "seconds", "status");
  for (const Run& r : runs) {
    const bool ok = r.status == "ok";
    failed += ok ? 0 : 1;
    std::printf("%-*s %-15s %-*s %8.1f  %s\n", w_program, r.entry.program.c_str(),
                r.entry.family.c_str(), w_metric, metric_cell(r.result).c_str(), r.seconds,
                r.status.c_str());
    json row = {{"program", r.entry.program},
                {"loss", r.entry.loss},
                {"family", r.entry.family},
                {"status", r.status},
                {"ok", ok},
                {"seconds", r.seconds},
                {"log", (out / r.entry.program / "log.txt").string()}};
    if (r.result.is_object()) {
      for (const char* key : {"metric", "before", "after", "higher_is_better", "detail"})
        if (r.result.contains(key)) row[key] = r.result[key];
    }
    rows.push_back(row);
  }
  // The retrieval table of the metric-learning examples: test-set scores after training.
  json retrieval = json::array();
  for (const Run& r : runs) {
    if (!r.result.is_object() || !r.result.contains("extras") ||
        !r.result["extras"].contains("MAP@R after"))
      continue;
    if (retrieval.empty())
      std::printf(
          "\nretrieval (Fashion-MNIST test set, after training; untrained in brackets)\n"
          "%-*s %-17s %-17s %-17s %8s\n",
          w_program, "loss", "P@1", "MAP@R", "NMI", "seconds");
    const json& x = r.result["extras"];
    const double p1 = r.result.value("after", 0.0), p0 = r.result.value("before", 0.0);
    const double m1 = x.value("MAP@R after", 0.0), m0 = x.value("MAP@R before", 0.0);
    const double n1 = x.value("NMI after", 0.0), n0 = x.value("NMI before", 0.0);
    std::printf("%-*s %.4f (%.4f)   %.4f (%.4f)   %.4f (%.4f)   %8.1f\n", w_program,
                r.entry.program.c_str(), p1, p0, m1, m0, n1, n0, r.seconds);
    retrieval.push_back({{"loss", r.entry.program},
                         {"P@1", p1},
                         {"MAP@R", m1},
                         {"NMI", n1},
                         {"P@1 untrained", p0},
                         {"MAP@R untrained", m0},
                         {"NMI untrained", n0},
                         {"seconds", r.seconds}});
  }
  std::printf("\n%zu examples, %zu passed, %d failed, %.1f s\n", runs.size(), runs.size() - failed,
              failed, total);
  const json doc = {{"quick", options.quick},         {"examples", rows}, {"retrieval", retrieval},
                    {"passed", runs.size() - failed}, {"failed", failed}, {"seconds", total}};
  fs::create_directories(out);
  write_file_atomic((out / "tour.json").string(), doc.dump(2) + "\n");
  std::printf("wrote %s\n", (out / "tour.json").c_str());
  if (failed > 0) {
    std::printf("failed:");
    for (const Run& r : runs)
      if (r.status != "ok")
        std::printf(" %s (log: %s)", r.entry.program.c_str(),
                    (out / r.entry.program / "log.txt").c_str());
    std::printf("\n");
  }
  return failed;
}

}  // namespace minidl::tools
