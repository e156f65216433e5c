// bench_retrieval: retrieval evaluation of 10k embeddings (dimension 64), minidl vs PyTorch on
// the same data, printing bench_core's JSON lines (or a table) and issue 5's targets.
//
// What is measured:
//   retrieval_10k_d64      seconds for one full evaluation: Precision@1, R-precision, MAP@R and
//                          Recall@{1,2,4,8} over 10 000 queries against the other 9 999 samples
//                          (Euclidean). minidl: metrics::retrieval_metrics on 2 threads (tiled
//                          GEMM, per-row partial selection of the k = 999 nearest). PyTorch:
//                          bench/torch_retrieval.py, the same computation tiled by hand as one
//                          would write it: torch.cdist of 256-query tiles against all samples,
//                          self masked out, torch.topk(k, sorted), then the metrics from the
//                          neighbour labels with relevance masks (PML's formulas). Median of
//                          several evaluations after a warm-up on each side.
//   retrieval_10k_d64_mem  MiB of peak memory an evaluation adds: a fresh process generates (or
//                          loads) the data, reads VmRSS, resets the peak with
//                          /proc/self/clear_refs ("5"), runs one evaluation and reads VmHWM;
//                          the figure is VmHWM - VmRSS. minidl: bench_retrieval --child mem;
//                          PyTorch: torch_retrieval.py --mem (its import is not counted: only
//                          what the evaluation itself adds).
// Data: 10 classes x 1000 samples; class centres N(0, 1) per coordinate, samples centre +
// N(0, 2^2) noise, from a fixed LCG + Box-Muller (the bench does not depend on minidl's
// generators). P@1 is about 0.85, so neighbour lists mix classes as trained embeddings do. The
// data goes to PyTorch through a temporary file of raw float32 / int64, so both sides see the
// same bits; the two sides' metrics are compared (a warning if they differ by more than 1e-3:
// near-ties can fall either way between cdist's and sgemm's rounding).
// Fairness (retrieval_10k_d64): bench/harness.h's method. PyTorch runs as a coprocess
// (torch_retrieval.py --serve) evaluating the same data; evaluations of the two sides alternate,
// PyTorch's thread setting chosen by its median over interleaved trial evaluations; medians and
// quartiles of both. Speedup > 1 means minidl is faster (or smaller).
//
// Usage: bench_retrieval [--json] [--quick] [--only NAME_PREFIX] [--no-torch] [--python PATH]
//                        [--torch-script PATH]
//        bench_retrieval --child mem   (the minidl process of retrieval_10k_d64_mem)
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "bench/harness.h"
#include "metrics/retrieval.h"
#include "tensor/parallel.h"
#include "tensor/tensor.h"

#ifndef MINIDL_SOURCE_DIR
#define MINIDL_SOURCE_DIR "."
#endif

namespace {

using minidl::Tensor;
using Clock = std::chrono::steady_clock;

constexpr std::int64_t kClasses = 10, kPerClass = 1000, kDim = 64;
constexpr int kThreads = 2;
const std::vector<std::int64_t> kRecallAt = {1, 2, 4, 8};

struct Options {
  bool json = false, quick = false, torch = true;
  std::string only;
  std::string python = "/usr/bin/python3";
  std::string script = std::string(MINIDL_SOURCE_DIR) + "/bench/torch_retrieval.py";
};

struct Row {
  std::string bench;
  double minidl = 0;
  std::optional<double> reference;
  std::string reference_name, unit;
  std::optional<double> speedup() const {  // lower is better for both rows
    if (!reference || *reference <= 0 || minidl <= 0) return std::nullopt;
    return *reference / minidl;
  }
};

// ---------------------------------------------------------------- data
struct Data {
  Tensor x;  // float32 [N, D]
  Tensor y;  // int64 [N]
};

Data make_data() {
  std::uint64_t s = 0x9E3779B97F4A7C15ull;
  auto uniform = [&s] {  // (0, 1)
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return (static_cast<double>(s >> 11) + 0.5) / 9007199254740992.0;
  };
  auto normal = [&] {
    return std::sqrt(-2.0 * std::log(uniform())) * std::cos(6.283185307179586 * uniform());
  };
  std::vector<double> centres(static_cast<std::size_t>(kClasses * kDim));
  for (double& c : centres) c = normal();
  const std::int64_t n = kClasses * kPerClass;
  Data d{Tensor({n, kDim}), Tensor({n}, minidl::kInt64)};
  float* x = d.x.data<float>();
  std::int64_t* y = d.y.data<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t c = i % kClasses;  // classes interleaved, as a shuffled test set
    y[i] = c;
    for (std::int64_t j = 0; j < kDim; ++j)
      x[i * kDim + j] = static_cast<float>(centres[c * kDim + j] + 2.0 * normal());
  }
  return d;
}

minidl::metrics::RetrievalResult evaluate(const Data& d) {
  return minidl::metrics::retrieval_metrics(d.x, d.y, {.recall_at = kRecallAt});
}

// ---------------------------------------------------------------- memory
double status_kib(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  const std::string k = std::string(key) + ":";
  while (std::getline(f, line))
    if (line.rfind(k, 0) == 0) return std::strtod(line.c_str() + k.size(), nullptr);
  return NAN;
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

bool reset_peak() {
  std::ofstream f("/proc/self/clear_refs");
  f << "5";
  f.flush();
  return static_cast<bool>(f);
}

// bench_retrieval --child mem: one evaluation in a fresh process; prints {"extra_mib": x}.
int child_mem() {
  minidl::set_num_threads(kThreads);
  const Data d = make_data();
  const double before = status_kib("VmRSS");
  if (!reset_peak()) {
    std::fprintf(stderr, "bench_retrieval: cannot reset the peak RSS (/proc/self/clear_refs)\n");
    return 1;
  }
  const auto r = evaluate(d);
  const double peak = status_kib("VmHWM");
  std::printf("{\"extra_mib\": %.3f, \"precision_at_1\": %.6f}\n", (peak - before) / 1024.0,
              r.precision_at_1);
  return 0;
}

// stdout of a command, or nullopt when it fails.
std::optional<std::string> run_capture(const std::string& cmd) {
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return std::nullopt;
  std::string out;
  char buf[4096];
  while (std::size_t got = std::fread(buf, 1, sizeof buf, p)) out.append(buf, got);
  const int status = pclose(p);
  if (status != 0) return std::nullopt;
  return out;
}

std::optional<double> json_field(const std::string& text, const std::string& key) {
  const std::regex re("\"" + key + "\":\\s*([-0-9.eE+]+)");
  std::smatch m;
  if (!std::regex_search(text, m, re)) return std::nullopt;
  return std::strtod(m[1].str().c_str(), nullptr);
}

// ---------------------------------------------------------------- output
std::string num(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%#.4g", *v);
  return buf;
}

void print_row(const Row& r, bool json) {
  if (json) {
    std::printf(
        "{\"bench\": \"%s\", \"minidl\": %s, \"reference\": %s, \"reference_name\": \"%s\", "
        "\"unit\": \"%s\", \"speedup\": %s}\n",
        r.bench.c_str(), num(r.minidl).c_str(), num(r.reference).c_str(), r.reference_name.c_str(),
        r.unit.c_str(), num(r.speedup()).c_str());
  } else {
    const auto s = r.speedup();
    std::printf("%-24s %10s %10s  %-30s %-8s %8s\n", r.bench.c_str(), num(r.minidl).c_str(),
                r.reference ? num(r.reference).c_str() : "-", r.reference_name.c_str(),
                r.unit.c_str(), s ? (num(s) + "x").c_str() : "-");
  }
  std::fflush(stdout);
}

void note(const Options& opt, const std::string& msg) {
  std::fprintf(opt.json ? stderr : stdout, "note: %s\n", msg.c_str());
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

bool selected(const Options& opt, const std::string& name) {
  return opt.only.empty() || name.rfind(opt.only, 0) == 0;
}

int run(const Options& opt) {
  const bool want_time = selected(opt, "retrieval_10k_d64");
  const bool want_mem = selected(opt, "retrieval_10k_d64_mem");
  if (!want_time && !want_mem) {
    std::fprintf(stderr,
                 "bench_retrieval: no bench named '%s*'; benches are:\n  retrieval_10k_d64\n"
                 "  retrieval_10k_d64_mem\n",
                 opt.only.c_str());
    return 2;
  }
  const Data d = make_data();
  bool torch_ok = opt.torch;
  if (torch_ok && std::system((opt.python + " -c 'import torch' >/dev/null 2>&1").c_str()) != 0) {
    note(opt, "python3-torch is not available (" + opt.python +
                  " -c 'import torch' failed): the PyTorch columns are skipped");
    torch_ok = false;
  }
  // The shared data file: raw float32 [N, D] followed by int64 [N].
  char path[] = "/tmp/minidl_retrieval_XXXXXX";
  const int fd = torch_ok ? mkstemp(path) : -1;
  if (torch_ok) {
    const bool ok = fd >= 0 &&
                    write(fd, d.x.raw(), d.x.nbytes()) == static_cast<ssize_t>(d.x.nbytes()) &&
                    write(fd, d.y.raw(), d.y.nbytes()) == static_cast<ssize_t>(d.y.nbytes());
    if (fd >= 0) close(fd);
    if (!ok) {
      note(opt, "cannot write the data file for PyTorch; its columns are skipped");
      torch_ok = false;
    }
  }
  const std::string torch_cmd = opt.python + " " + shell_quote(opt.script) + " --data " +
                                shell_quote(path) + " --n " + std::to_string(d.y.numel()) +
                                " --d " + std::to_string(kDim) + (opt.quick ? " --quick" : "");

  if (!opt.json) {
    std::printf(
        "minidl bench_retrieval: %lld x %lld embeddings, %lld classes, minidl %d threads%s\n\n",
        static_cast<long long>(d.y.numel()), static_cast<long long>(kDim),
        static_cast<long long>(kClasses), kThreads, opt.quick ? ", quick mode" : "");
    std::printf("%-24s %10s %10s  %-30s %-8s %8s\n", "bench", "minidl", "reference",
                "reference_name", "unit", "speedup");
  }
  std::vector<Row> rows;
  if (want_time) {
    // bench/harness.h's method: a unit is one evaluation; PyTorch's coprocess evaluates the same
    // data, its thread setting chosen by its median over interleaved trial evaluations.
    namespace bench = minidl::bench;
    bench::Coprocess torch;
    if (torch_ok &&
        !torch.start({opt.python, opt.script, "--data", path, "--n", std::to_string(d.y.numel()),
                      "--d", std::to_string(kDim), "--serve"},
                     "bench_retrieval"))
      note(opt, "bench/torch_retrieval.py failed; retrieval_10k_d64 has no PyTorch reference");
    minidl::set_num_threads(kThreads);
    minidl::metrics::RetrievalResult r;
    double cpu = 0;
    int evals = 0;
    auto mine = [&] {
      const double cpu0 = cpu_seconds();
      const double s = bench::timed([&] { r = evaluate(d); });
      cpu += cpu_seconds() - cpu0;
      ++evals;
      return s;
    };
    const bool ref = torch.running();
    const bench::Outcome o = bench::contest(
        mine, ref ? std::function<double()>([&] { return torch.call("eval 1"); }) : nullptr,
        ref ? bench::torch_settings(torch) : std::vector<bench::Setting>{},
        {opt.quick ? 2 : 3, opt.quick ? 2 : 5});
    const double torch_p1 = bench::json_field(torch.last_reply(), "precision_at_1");
    const double torch_map = bench::json_field(torch.last_reply(), "map_at_r");
    torch.stop();
    if (ref &&
        (std::fabs(torch_p1 - r.precision_at_1) > 1e-3 || std::fabs(torch_map - r.map_at_r) > 1e-3))
      std::fprintf(stderr,
                   "bench_retrieval: WARNING metrics differ: minidl P@1 %.6f MAP@R %.6f, PyTorch "
                   "P@1 %.6f MAP@R %.6f\n",
                   r.precision_at_1, r.map_at_r, torch_p1, torch_map);
    // CPU seconds per evaluation (all threads): unlike wall time, not inflated by other load.
    if (!opt.json)
      note(opt, "minidl CPU time " + num(cpu / std::max(evals, 1)) + " s per evaluation; P@1 " +
                    num(r.precision_at_1) + ", R-precision " + num(r.r_precision) + ", MAP@R " +
                    num(r.map_at_r) + ", R@8 " + num(r.recall_at(8)) +
                    (ref ? ", PyTorch P@1 " + num(torch_p1) + " MAP@R " + num(torch_map)
                         : std::string()));
    bench::Row row = bench::make_row(
        "retrieval_10k_d64", "s", false, o, [](double s) { return s; },
        ref ? "torch cdist+topk (" + o.chosen + ")" : "pytorch (skipped)");
    if (!o.settings.empty()) row.note = "pytorch trials, s/evaluation: " + o.settings_note("");
    rows.push_back({row.bench, row.minidl.median,
                    row.reference ? std::optional<double>(row.reference->median) : std::nullopt,
                    row.reference_name, "s"});
    if (opt.json) {
      bench::print_json(row);
    } else {
      print_row(rows.back(), false);
      if (!row.note.empty()) std::printf("%26s%s\n", "", row.note.c_str());
      std::printf("%26sminidl IQR [%s, %s] s%s\n", "", bench::fmt(row.minidl.q1).c_str(),
                  bench::fmt(row.minidl.q3).c_str(),
                  row.reference ? (", pytorch IQR [" + bench::fmt(row.reference->q1) + ", " +
                                   bench::fmt(row.reference->q3) + "] s")
                                      .c_str()
                                : "");
    }
  }
  if (want_mem) {
    std::optional<double> mine, theirs;
    if (auto out = run_capture("/proc/" + std::to_string(getpid()) + "/exe --child mem"))
      mine = json_field(*out, "extra_mib");
    if (torch_ok) {
      if (auto out = run_capture(torch_cmd + " --mem")) theirs = json_field(*out, "extra_mib");
    }
    if (!mine) {
      std::fprintf(stderr, "bench_retrieval: the --child mem process failed\n");
      return 1;
    }
    rows.push_back({"retrieval_10k_d64_mem", *mine, theirs,
                    theirs ? "torch cdist+topk" : "pytorch (skipped)", "MiB"});
    print_row(rows.back(), opt.json);
  }
  if (torch_ok) unlink(path);

  if (!opt.json) {
    std::printf("\ntargets:\n");
    for (const Row& r : rows) {
      const bool time = r.unit == "s";
      std::printf("  %-24s %-24s %s\n", r.bench.c_str(),
                  time ? "minidl <= 2 s" : "minidl < 100 MiB",
                  (time ? r.minidl <= 2.0 : r.minidl < 100.0) ? "ok" : "MISSED");
    }
  }
  return 0;
}

void usage(std::FILE* f) {
  std::fprintf(f,
               "usage: bench_retrieval [--json] [--quick] [--only NAME_PREFIX] [--no-torch]\n"
               "                       [--python PATH] [--torch-script PATH]\n"
               "  --json             one JSON object per line instead of a table\n"
               "  --quick            fewer repetitions\n"
               "  --only PREFIX      run the benches whose name starts with PREFIX\n"
               "  --no-torch         minidl only\n"
               "  --python PATH      interpreter with torch (default /usr/bin/python3)\n"
               "  --torch-script P   PyTorch side (default: bench/torch_retrieval.py of the source "
               "tree)\n");
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--child" && i + 1 < argc && std::string(argv[i + 1]) == "mem") {
      try {
        return child_mem();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_retrieval: %s\n", e.what());
        return 1;
      }
    } else if (arg == "--json") {
      opt.json = true;
    } else if (arg == "--quick") {
      opt.quick = true;
    } else if (arg == "--no-torch") {
      opt.torch = false;
    } else if (arg == "--only" && i + 1 < argc) {
      opt.only = argv[++i];
    } else if (arg == "--python" && i + 1 < argc) {
      opt.python = argv[++i];
    } else if (arg == "--torch-script" && i + 1 < argc) {
      opt.script = argv[++i];
    } else if (arg == "--help" || arg == "-h") {
      usage(stdout);
      return 0;
    } else {
      std::fprintf(stderr, "bench_retrieval: unknown or incomplete argument '%s'\n", arg.c_str());
      usage(stderr);
      return 2;
    }
  }
  try {
    return run(opt);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_retrieval: %s\n", e.what());
    return 1;
  }
}
