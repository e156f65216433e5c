// bench_core: minidl's core costs side by side with a reference doing the same work, in one run.
//
// What is measured (each figure the median of several repetitions, after a warm-up):
//   matmul_*   minidl::matmul(a, b, trans_a, trans_b) vs a direct cblas_sgemm (row-major) on the
//              very same input buffers, into a preallocated C; GFLOP/s = 2*M*N*K / time. Shapes
//              are written MxKxN for the squares and batch x in x out for the MLP layers, whose
//              three products are fwd = X.W^T (trans_b), dx = G.W, dw = G^T.X (trans_a).
//              The reference runs with OpenBLAS's default threading (all cores), as a user
//              calling cblas_sgemm gets it; minidl uses its own strategy (tensor/matmul.cpp:
//              single-threaded OpenBLAS, large GEMMs split into row blocks over oneTBB).
//   add_16M    minidl::add on 16M float32 vs a plain single-threaded loop (restrict pointers, so
//   relu_16M   the compiler vectorises it) writing into a preallocated, already-touched buffer;
//              GB/s counting bytes read + written (12 B/elem for add, 8 for relu). minidl
//              returns a fresh tensor each call, so this also measures its allocator's reuse.
//   tiny_chain_1000  x = x * 1.0001 + 0.001 for 1000 links on a 1x16 float32 leaf, then
//              sum and backward, graph teardown included; microseconds per link (two ops),
//              forward + backward. The reference is PyTorch eager running the same chain in
//              bench/torch_chain.py --serve, a coprocess: blocks of chains alternate with
//              minidl's by bench/harness.h's method (medians and quartiles of both sides).
//
// Why the comparison is fair: same shapes and buffers, warm-up first, and minidl and reference
// repetitions interleaved in alternating order, so the two-thread "fast/slow mode" swings of a
// shared 2-core machine hit both sides alike. Every result is read into a sink so nothing is
// optimised away, and each matmul/elementwise result is checked against the reference once.
// Speedup > 1 means minidl is faster (minidl/reference for rates, reference/minidl for times).
//
// Usage: bench_core [--json] [--quick] [--only NAME_PREFIX] [--no-torch] [--python PATH]
//                   [--torch-chain-us X]
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "autograd/functional.h"
#include "autograd/tape.h"
#include "bench/harness.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/tensor.h"

#ifndef MINIDL_SOURCE_DIR
#define MINIDL_SOURCE_DIR "."
#endif

namespace {

using minidl::Tensor;
using Clock = std::chrono::steady_clock;

volatile double g_sink = 0;  // every timed call adds one element of its result here
// OpenBLAS's own thread count as the process started (its default, 2 here). minidl pins OpenBLAS
// to one thread and splits large GEMMs over oneTBB itself; the direct reference restores this
// before each call so it runs as a user calling cblas_sgemm would get it.
int g_blas_default_threads = 1;

struct Options {
  bool json = false;
  bool quick = false;
  std::string only;                      // run benches whose name starts with this
  std::optional<double> torch_chain_us;  // PyTorch's µs per link, given on the command line
  bool torch = true;                     // start bench/torch_chain.py --serve for the chain
  std::string python = "/usr/bin/python3";
};

struct Row {
  std::string bench;
  double minidl = 0;
  std::optional<double> reference;
  std::string reference_name;
  std::string unit;
  bool higher_is_better = true;
  // Medians' spreads, for the rows measured by bench/harness.h's contest() (the chain).
  std::optional<minidl::bench::Stats> minidl_stats, reference_stats;
  std::optional<double> speedup() const {
    if (!reference || *reference <= 0 || minidl <= 0) return std::nullopt;
    return higher_is_better ? minidl / *reference : *reference / minidl;
  }
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Seconds per call of fn, averaged over `inner` back-to-back calls.
double time_calls(const std::function<void()>& fn, int inner) {
  const auto t0 = Clock::now();
  for (int i = 0; i < inner; ++i) fn();
  return std::chrono::duration<double>(Clock::now() - t0).count() / inner;
}

struct Timing {
  double minidl_s = 0, reference_s = 0;  // median seconds per call
};

// Warm-up, then calibrates `inner` so one repetition lasts about target_s on the slower side, then
// `reps` repetitions of each side interleaved, alternating which side goes first. Without a
// reference only the minidl side runs. settle_s > 0 idles before every repetition: OpenBLAS's
// workers keep spinning (sched_yield) for ~0.1 s after a call and oneTBB's briefly after a
// parallel_for, so without the pause each side would pay for the other's idle pool, and minidl's
// two-block GEMMs measurably lost their second core right after a reference repetition.
Timing time_pair(const std::function<void()>& mine, const std::function<void()>& ref, int reps,
                 double target_s, double settle_s = 0) {
  mine();
  if (ref) ref();
  double one = time_calls(mine, 1);
  if (ref) one = std::max(one, time_calls(ref, 1));
  const int inner = static_cast<int>(std::clamp(std::ceil(target_s / one), 1.0, 1e6));
  auto timed = [&](const std::function<void()>& fn, std::vector<double>& out) {
    if (settle_s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(settle_s));
    out.push_back(time_calls(fn, inner));
  };
  std::vector<double> tm, tr;
  for (int r = 0; r < reps; ++r) {
    if (ref && r % 2 == 1) timed(ref, tr);
    timed(mine, tm);
    if (ref && r % 2 == 0) timed(ref, tr);
  }
  return {median(tm), ref ? median(tr) : 0.0};
}

// Deterministic fill in [-1, 1) (a small LCG: the bench must not depend on minidl's generators).
void fill(Tensor& t, std::uint32_t seed) {
  float* p = t.data<float>();
  std::uint32_t s = seed * 2654435761u + 1;
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    s = s * 1664525u + 1013904223u;
    p[i] = static_cast<float>(s >> 8) * (2.0f / 16777216.0f) - 1.0f;
  }
}

// Largest |x - y| relative to max |y|; the minidl result vs the reference one.
double rel_diff(const float* x, const float* y, std::int64_t n) {
  double diff = 0, scale = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    diff = std::max(diff, static_cast<double>(std::fabs(x[i] - y[i])));
    scale = std::max(scale, static_cast<double>(std::fabs(y[i])));
  }
  return scale > 0 ? diff / scale : diff;
}

void check_same(const std::string& bench, const float* x, const float* y, std::int64_t n,
                double tol) {
  const double d = rel_diff(x, y, n);
  if (!(d <= tol)) {
    std::fprintf(stderr, "bench_core: WARNING %s: minidl and reference results differ (%.3g)\n",
                 bench.c_str(), d);
  }
}

// ---------------------------------------------------------------- matmul
// Longer than OpenBLAS's default spin before its workers sleep (2^28 TSC ticks, ~0.1 s here).
constexpr double kSettleBlas = 0.15;

struct MatmulCase {
  std::string name;
  std::int64_t m, k, n;
  bool trans_a, trans_b;
  bool acceptance;  // kept in --quick
};

Row bench_matmul(const MatmulCase& c, const Options& opt) {
  // Stored shapes: a is [M,K] or [K,M] (trans_a); b is [K,N] or [N,K] (trans_b).
  Tensor a(c.trans_a ? minidl::Shape{c.k, c.m} : minidl::Shape{c.m, c.k});
  Tensor b(c.trans_b ? minidl::Shape{c.n, c.k} : minidl::Shape{c.k, c.n});
  Tensor out_ref(minidl::Shape{c.m, c.n});
  fill(a, 1);
  fill(b, 2);
  out_ref.zero_();
  const float* ap = a.data<float>();
  const float* bp = b.data<float>();
  float* cp = out_ref.data<float>();
  const auto lda = static_cast<blasint>(c.trans_a ? c.m : c.k);
  const auto ldb = static_cast<blasint>(c.trans_b ? c.k : c.n);

  auto mine = [&] {
    Tensor out = minidl::matmul(a, b, c.trans_a, c.trans_b);
    g_sink = g_sink + out.data<float>()[out.numel() - 1];
  };
  auto ref = [&] {
    if (openblas_get_num_threads() != g_blas_default_threads) {
      openblas_set_num_threads(g_blas_default_threads);
    }
    cblas_sgemm(CblasRowMajor, c.trans_a ? CblasTrans : CblasNoTrans,
                c.trans_b ? CblasTrans : CblasNoTrans, static_cast<blasint>(c.m),
                static_cast<blasint>(c.n), static_cast<blasint>(c.k), 1.0f, ap, lda, bp, ldb, 0.0f,
                cp, static_cast<blasint>(c.n));
    g_sink = g_sink + cp[c.m * c.n - 1];
  };
  const bool big = c.m * c.n * c.k >= (std::int64_t{1} << 30);
  const int reps = opt.quick ? 5 : (big ? 7 : 11);
  const Timing t = time_pair(mine, ref, reps, opt.quick ? 0.02 : 0.05, kSettleBlas);

  ref();
  const Tensor out = minidl::matmul(a, b, c.trans_a, c.trans_b);
  check_same(c.name, out.data<float>(), cp, c.m * c.n, 1e-5);

  const double flop =
      2.0 * static_cast<double>(c.m) * static_cast<double>(c.n) * static_cast<double>(c.k);
  return {c.name,
          flop / t.minidl_s * 1e-9,
          flop / t.reference_s * 1e-9,
          "cblas_sgemm (direct)",
          "GFLOP/s",
          true,
          {},
          {}};
}

// ---------------------------------------------------------------- elementwise
// The plain loops the elementwise kernels are held against: one thread, vectorised by the
// compiler at -O2 thanks to __restrict, writing into a buffer that is already paged in.
void add_loop(const float* __restrict a, const float* __restrict b, float* __restrict c,
              std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) c[i] = a[i] + b[i];
}
void relu_loop(const float* __restrict a, float* __restrict c, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) c[i] = std::max(a[i], 0.0f);
}

Row bench_elementwise(const std::string& name, bool is_add, const Options& opt) {
  constexpr std::int64_t kN = std::int64_t{1} << 24;  // 16M float32, 64 MiB per array
  Tensor a(minidl::Shape{kN}), b(minidl::Shape{kN}), out_ref(minidl::Shape{kN});
  fill(a, 3);
  fill(b, 4);
  out_ref.zero_();
  const float* ap = a.data<float>();
  const float* bp = b.data<float>();
  float* cp = out_ref.data<float>();

  auto mine = [&] {
    Tensor out = is_add ? minidl::add(a, b) : minidl::relu(a);
    g_sink = g_sink + out.data<float>()[kN / 2];
  };
  auto ref = [&] {
    if (is_add) {
      add_loop(ap, bp, cp, kN);
    } else {
      relu_loop(ap, cp, kN);
    }
    g_sink = g_sink + cp[kN / 2];
  };
  const Timing t = time_pair(mine, ref, opt.quick ? 5 : 11, opt.quick ? 0.02 : 0.05);

  ref();
  const Tensor out = is_add ? minidl::add(a, b) : minidl::relu(a);
  check_same(name, out.data<float>(), cp, kN, 0.0);

  const double bytes = (is_add ? 12.0 : 8.0) * static_cast<double>(kN);
  return {name,
          bytes / t.minidl_s * 1e-9,
          bytes / t.reference_s * 1e-9,
          "plain loop (1 thread)",
          "GB/s",
          true,
          {},
          {}};
}

// ---------------------------------------------------------------- tiny-op chain
constexpr int kLinks = 1000;

Row bench_chain(const std::string& name, const Options& opt) {
  minidl::Variable x0(minidl::zeros({1, 16}), true);
  double grad = 0;  // d(sum x)/d(x0) = 1.0001^1000 per element, checked below
  auto chain = [&] {
    {
      minidl::Variable x = x0;
      for (int i = 0; i < kLinks; ++i) x = x * 1.0001 + 0.001;
      minidl::backward(minidl::sum(x));
    }  // the graph is torn down here, inside the timing (PyTorch's side does the same)
    grad = x0.grad().value().at(0);
    g_sink = g_sink + grad;
    x0.zero_grad();
  };
  // Blocks of chains; with PyTorch, its coprocess runs the same blocks, alternating with minidl's
  // and its thread setting chosen by bench/harness.h's contest().
  const int per_block = opt.quick ? 3 : 5;
  namespace bench = minidl::bench;
  bench::Coprocess torch;
  if (opt.torch && !opt.torch_chain_us &&
      !torch.start(
          {opt.python, std::string(MINIDL_SOURCE_DIR) + "/bench/torch_chain.py", "--serve"},
          "bench_core")) {
    std::fprintf(stderr, "bench_core: PyTorch side unavailable (%s bench/torch_chain.py --serve)\n",
                 opt.python.c_str());
  }
  const bench::ContestOptions co =
      opt.quick ? bench::ContestOptions{2, 3} : bench::ContestOptions{3, 7};
  const std::string cmd = "chains " + std::to_string(per_block);
  const bench::Outcome o = bench::contest(
      [&] {
        return bench::timed([&] {
          for (int i = 0; i < per_block; ++i) chain();
        });
      },
      torch.running() ? std::function<double()>([&] { return torch.call(cmd); }) : nullptr,
      torch.running() ? bench::torch_settings(torch) : std::vector<bench::Setting>{}, co);
  if (const double want = std::pow(1.0001, kLinks); std::fabs(grad - want) > 1e-3 * want) {
    std::fprintf(stderr, "bench_core: WARNING %s: gradient %.6g, expected %.6g\n", name.c_str(),
                 grad, want);
  }
  const auto per_link = [per_block](double s) { return s / per_block / kLinks * 1e6; };
  Row row{name, per_link(o.mine.median), opt.torch_chain_us, "", "us/link", false, {}, {}};
  row.minidl_stats = o.mine.map(per_link);
  row.reference_name =
      opt.torch_chain_us ? "pytorch eager (--torch-chain-us)" : "pytorch (skipped)";
  if (o.has_reference()) {
    row.reference = per_link(o.theirs.median);
    row.reference_stats = o.theirs.map(per_link);
    row.reference_name = "pytorch " + torch.version() + " eager (" + o.chosen + ")";
  }
  return row;
}

// ---------------------------------------------------------------- output
std::string json_number(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%#.4g", *v);  // 4 significant digits, "1.000" not "1"
  return buf;
}

void print_json(const Row& r) {
  std::string stats;
  if (r.minidl_stats) stats += ", \"minidl_stats\": " + minidl::bench::json_stats(*r.minidl_stats);
  if (r.reference_stats)
    stats += ", \"reference_stats\": " + minidl::bench::json_stats(*r.reference_stats);
  std::printf(
      "{\"bench\": \"%s\", \"minidl\": %s, \"reference\": %s, \"reference_name\": \"%s\", "
      "\"unit\": \"%s\", \"speedup\": %s, \"higher_is_better\": %s%s}\n",
      r.bench.c_str(), json_number(r.minidl).c_str(), json_number(r.reference).c_str(),
      r.reference_name.c_str(), r.unit.c_str(), json_number(r.speedup()).c_str(),
      r.higher_is_better ? "true" : "false", stats.c_str());
  std::fflush(stdout);
}

void print_table_row(const Row& r) {
  const std::string ref = r.reference ? json_number(r.reference) : "-";
  const auto s = r.speedup();
  const std::string sp = s ? json_number(s) + "x" : "-";
  std::printf("%-24s %10s %10s  %-30s %-8s %8s\n", r.bench.c_str(), json_number(r.minidl).c_str(),
              ref.c_str(), r.reference_name.c_str(), r.unit.c_str(), sp.c_str());
  std::fflush(stdout);
}

// The acceptance targets of issue 2, checked against the rows that ran.
void print_targets(const std::vector<Row>& rows) {
  std::printf("\ntargets:\n");
  for (const Row& r : rows) {
    const bool mm = r.bench == "matmul_512" || r.bench == "matmul_2048";
    const bool chain = r.bench == "tiny_chain_1000";
    if (!mm && !chain && r.bench != "add_16M" && r.bench != "relu_16M") continue;
    const auto s = r.speedup();
    const bool ok = chain ? r.minidl <= 1.5 : s && *s >= (mm ? 0.95 : 0.8);
    std::printf("  %-24s %-24s %s\n", r.bench.c_str(),
                chain ? "minidl <= 1.5 us/link" : (mm ? "speedup >= 0.95" : "speedup >= 0.8"),
                !chain && !s ? "n/a" : (ok ? "ok" : "MISSED"));
  }
}

void usage(std::FILE* f) {
  std::fprintf(f,
               "usage: bench_core [--json] [--quick] [--only NAME_PREFIX] [--torch-chain-us X]\n"
               "  --json             one JSON object per line instead of a table\n"
               "  --quick            fewer repetitions; only the acceptance benches\n"
               "  --only PREFIX      run the benches whose name starts with PREFIX\n"
               "  --no-torch         no PyTorch reference for tiny_chain_1000\n"
               "  --python PATH      interpreter with torch (default /usr/bin/python3)\n"
               "  --torch-chain-us X PyTorch's us/link for tiny_chain_1000, measured elsewhere\n"
               "                     (instead of starting bench/torch_chain.py --serve)\n");
}

}  // namespace

int main(int argc, char** argv) {
  g_blas_default_threads = openblas_get_num_threads();  // before any minidl call pins it
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--json") {
      opt.json = true;
    } else if (arg == "--quick") {
      opt.quick = true;
    } else if (arg == "--only" && i + 1 < argc) {
      opt.only = argv[++i];
    } else if (arg == "--no-torch") {
      opt.torch = false;
    } else if (arg == "--python" && i + 1 < argc) {
      opt.python = argv[++i];
    } else if (arg == "--torch-chain-us" && i + 1 < argc) {
      opt.torch_chain_us = std::strtod(argv[++i], nullptr);
    } else if (arg == "--help" || arg == "-h") {
      usage(stdout);
      return 0;
    } else {
      std::fprintf(stderr, "bench_core: unknown or incomplete argument '%s'\n", arg.c_str());
      usage(stderr);
      return 2;
    }
  }

  // Name, whether --quick keeps it, and how to run it.
  struct Bench {
    std::string name;
    bool acceptance;
    std::function<Row()> run;
  };
  std::vector<Bench> benches;
  const std::vector<MatmulCase> matmuls = {
      {"matmul_512", 512, 512, 512, false, false, true},
      {"matmul_2048", 2048, 2048, 2048, false, false, true},
      // MLP layer 1 (batch 128, 784 -> 256): X[128,784].W^T, G[128,256].W, G^T.X.
      {"matmul_128x784x256_fwd", 128, 784, 256, false, true, false},
      {"matmul_128x784x256_dx", 128, 256, 784, false, false, false},
      {"matmul_128x784x256_dw", 256, 128, 784, true, false, false},
      // MLP layer 2 (batch 128, 256 -> 128).
      {"matmul_128x256x128_fwd", 128, 256, 128, false, true, false},
      {"matmul_128x256x128_dx", 128, 128, 256, false, false, false},
      {"matmul_128x256x128_dw", 128, 128, 256, true, false, false},
  };
  for (const MatmulCase& c : matmuls) {
    benches.push_back({c.name, c.acceptance, [&opt, c] { return bench_matmul(c, opt); }});
  }
  benches.push_back({"add_16M", true, [&opt] { return bench_elementwise("add_16M", true, opt); }});
  benches.push_back(
      {"relu_16M", true, [&opt] { return bench_elementwise("relu_16M", false, opt); }});
  benches.push_back(
      {"tiny_chain_1000", true, [&opt] { return bench_chain("tiny_chain_1000", opt); }});

  std::vector<const Bench*> selected;
  for (const Bench& b : benches) {
    if (!opt.only.empty() ? b.name.rfind(opt.only, 0) == 0 : (b.acceptance || !opt.quick)) {
      selected.push_back(&b);
    }
  }
  if (selected.empty()) {
    std::fprintf(stderr, "bench_core: no bench named '%s*'; benches are:\n", opt.only.c_str());
    for (const Bench& b : benches) std::fprintf(stderr, "  %s\n", b.name.c_str());
    return 2;
  }

  try {
    if (!opt.json) {
      const char* coretype = std::getenv("OPENBLAS_CORETYPE");
      std::printf(
          "minidl bench_core: minidl %d threads, direct cblas_sgemm %d OpenBLAS threads, "
          "OPENBLAS_CORETYPE=%s%s\n\n",
          minidl::get_num_threads(), g_blas_default_threads, coretype ? coretype : "(unset)",
          opt.quick ? ", quick mode" : "");
      std::printf("%-24s %10s %10s  %-30s %-8s %8s\n", "bench", "minidl", "reference",
                  "reference_name", "unit", "speedup");
    }
    std::vector<Row> rows;
    for (const Bench* b : selected) {
      rows.push_back(b->run());
      opt.json ? print_json(rows.back()) : print_table_row(rows.back());
    }
    if (!opt.json) print_targets(rows);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_core: %s\n", e.what());
    return 1;
  }
  return 0;
}
