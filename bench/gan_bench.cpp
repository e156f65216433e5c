// bench_gan: the reference work of issue 10, minidl against PyTorch in one run.
//
// The non-saturating GAN on the 8-Gaussian ring: G and D both ReLU MLPs 2-128-128-{2, 1}
// (PyTorch's default init), z ~ N(0, I_2), batch 256, Adam(1e-3, betas (0.5, 0.999)) for both,
// one D step then one G step per iteration, through train::gan::GanTrainer::step(false) (as
// train() runs all but the last step of each log row: D's output means for the log, not the
// gradient norms).
// PyTorch runs the same iteration in bench/torch_gan.py --serve, a coprocess started here from
// this source tree. The method is bench/harness.h's contest(): blocks of --iters iterations, each
// PyTorch thread setting tried over several interleaved blocks and chosen by its median, then
// --reps blocks at the chosen setting, minidl and PyTorch alternating; medians and quartiles of
// both, and the ratio minidl / PyTorch against issue 10's targets (ring <= 0.3, DCGAN <= 0.8).
// With --measure both sides then train 5000 iterations from seed 0, 1, 2 and report modes
// covered / high-quality samples (PyTorch one-shot: torch_gan.py --measure).
//
// The DCGAN training step (issue 10: <= 0.8x PyTorch's): gan_fashion's DCGAN on 28x28 images,
//   G: z [64] - linear 64x7x7 - BN - ReLU - convT 4x4/2 32 - BN - ReLU - convT 4x4/2 1 - tanh
//   D: conv 4x4/2 32 - LeakyReLU 0.2 - conv 4x4/2 64 - BN - LeakyReLU 0.2 - linear 1
// batch 64, Adam(2e-4, (0.5, 0.999)), non-saturating, one D step and one G step per iteration, on
// fixed random "real" images (the data does not change the work). --dcgan-iters iterations per
// rep (0 skips it).
//
//   bench_gan [--iters K] [--reps R] [--threads T] [--dcgan-iters K] [--cpu-time] [--grad-norms]
//             [--sequential] [--no-torch] [--json] [--measure] [--profile [--trace PATH]]
// --iters 0 skips the ring row. --profile (a diagnostic, no contest): runs --iters ring and
// --dcgan-iters DCGAN iterations under minidl::Profiler and prints each one's op and scope tables;
// --trace PATH also writes the ring's Chrome trace (chrome://tracing, Perfetto) to PATH.
// --cpu-time times minidl's process CPU time instead of wall time (see now_seconds()); the
// PyTorch reference, timed in wall seconds, is then left out.
// --grad-norms times step(true) (both gradient norms on every step, as before train() measured
// them on log steps only). --sequential turns GanOptions::side_by_side off: D(real) and D(fake)
// one after the other, each split over the cores (the A/B of docs/benchmarks.md).
//
// The floor (text mode): the multiply-adds one ring iteration needs (ring_iter_flops) against
// the SGEMM rates at the step's own shapes (bare single-threaded OpenBLAS blas::sgemm loops,
// minidl's own AVX-512 kernel on one thread where it takes that shape, tensor/sgemm_avx512.h, and
// minidl::matmul on every thread with its allocation), printed as GFLOP/s beside the rate
// minidl's whole step achieves, the time of the GEMMs alone at the best of those rates, and the
// rate PyTorch's ms/iter x 0.3 would need.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "autograd/profiler.h"
#include "bench/harness.h"
#include "data/toy2d.h"
#include "metrics/mode_coverage.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/conv_transpose2d.h"
#include "nn/flatten.h"
#include "nn/linear.h"
#include "nn/sequential.h"
#include "optim/adam.h"
#include "tensor/blas.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/sgemm_avx512.h"
#include "train/gan/trainer.h"

#ifndef MINIDL_SOURCE_DIR
#define MINIDL_SOURCE_DIR "."
#endif

using namespace minidl;

namespace {

std::shared_ptr<nn::Sequential> mlp(std::int64_t out, Generator& gen) {
  return std::make_shared<nn::Sequential>(
      std::make_shared<nn::Linear>(2, 128, gen), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(128, 128, gen), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(128, out, gen));
}

// Wall time, or with --cpu-time the process's CPU time (CLOCK_PROCESS_CPUTIME_ID; PyTorch's side
// then uses time.process_time()). On a busy shared machine wall time mostly measures the queue;
// with --threads 1 CPU time is the work itself (still slowed by shared caches).
bool g_cpu_time = false;
double now_seconds() {
  if (!g_cpu_time)
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

struct Run {
  std::vector<double> ms;  // per rep
  std::int64_t modes = -1;
  double high_quality = 0;
};

bool g_grad_norms = false;   // --grad-norms: step(true), the gradient norms on every step
bool g_side_by_side = true;  // --sequential: false

// The ring GAN's training state; steps(k) runs k iterations and returns their seconds.
struct RingGan {
  Generator init;
  std::shared_ptr<nn::Sequential> g, d;
  optim::Adam g_opt, d_opt;
  train::gan::GanTrainer t;
  explicit RingGan(std::uint64_t seed)
      : init(seed),
        g(mlp(2, init)),
        d(mlp(1, init)),
        g_opt(g->parameters(), {.lr = 1e-3, .betas = {0.5, 0.999}}),
        d_opt(d->parameters(), {.lr = 1e-3, .betas = {0.5, 0.999}}),
        t(*g, *d, g_opt, d_opt,
          [](std::int64_t n, Generator& gen) {
            return data::sample_toy2d(data::Toy2d::kRing8, n, gen);
          },
          {.objective = train::gan::Objective::kNonSaturating,
           .side_by_side = g_side_by_side,
           .seed = seed + 1000,
           .verbose = 0}) {
    for (int i = 0; i < 20; ++i) t.step(g_grad_norms);  // warm-up
  }
  double steps(std::int64_t k) {
    const double start = now_seconds();
    for (std::int64_t i = 0; i < k; ++i) t.step(g_grad_norms);
    return now_seconds() - start;
  }
};

// --measure: trains from `seed` and reports the modes covered.
Run minidl_run(std::int64_t iters, std::uint64_t seed) {
  RingGan gan(seed);
  Run r;
  r.ms.push_back(1000.0 * gan.steps(iters) / static_cast<double>(iters));
  Generator eval(seed + 2000);
  const metrics::ModeCoverage m =
      metrics::mode_coverage(gan.t.sample(2000, eval), data::toy2d_modes(data::Toy2d::kRing8));
  r.modes = m.modes_covered;
  r.high_quality = m.high_quality;
  return r;
}

// FLOPs (2 per multiply-add) of the GEMMs one iteration needs, MLPs 2-h-h-{2,1} at batch b; the
// rest (bias, ReLU, loss, Adam) is O(b h) and left out. A layer [b, i] -> [b, o] costs b i o
// multiply-adds forward, as many for dW, and as many again for dX when its input needs a gradient
// (not D's first layer in D's step: real data and detached fakes; not G's first: the noise).
//   D step: G forward; D forward on real and fake; D backward (dW of every layer, dX of layers
//           2-3) on both.
//   G step: G forward; D forward; D backward dX only (D frozen: no dW); G backward (dW of every
//           layer, dX of layers 2-3).
double ring_iter_flops(std::int64_t b, std::int64_t h) {
  auto layer = [b](std::int64_t i, std::int64_t o) {
    return static_cast<double>(b) * static_cast<double>(i) * static_cast<double>(o);
  };
  const double g_fwd = layer(2, h) + layer(h, h) + layer(h, 2);
  const double d_fwd = layer(2, h) + layer(h, h) + layer(h, 1);
  const double d_step = g_fwd + 2 * d_fwd + 2 * (d_fwd + layer(h, h) + layer(h, 1));
  const double g_step = g_fwd + d_fwd + d_fwd + (g_fwd + layer(h, h) + layer(h, 2));
  return 2 * (d_step + g_step);
}

// GFLOP/s of `iters` products C[m, n] = op(A) op(B) at the ring step's shapes: `bare` calls
// blas::sgemm on fixed buffers (the core's rate), otherwise minidl::matmul on tensors (a fresh
// output each call, as in the step).
enum class GemmWay { kOpenBlas, kOwn, kMatmul };
double gemm_gflops(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, GemmWay way,
                   std::int64_t iters) {
  Generator gen(0);
  const Tensor a = randn(ta ? Shape{k, m} : Shape{m, k}, gen);
  const Tensor b = randn(tb ? Shape{n, k} : Shape{k, n}, gen);
  Tensor c = zeros({m, n});
  auto once = [&] {
    if (way == GemmWay::kOpenBlas)
      blas::sgemm(ta, tb, m, n, k, 1.0f, a.data<float>(), ta ? m : k, b.data<float>(), tb ? k : n,
                  0.0f, c.data<float>(), n);
    else if (way == GemmWay::kOwn)
      detail::own_sgemm(ta, tb, m, n, k, a.data<float>(), ta ? m : k, b.data<float>(), tb ? k : n,
                        c.data<float>(), n, false);
    else
      c = matmul(a, b, ta, tb);
  };
  for (int i = 0; i < 20; ++i) once();
  const double start = now_seconds();
  for (std::int64_t i = 0; i < iters; ++i) once();
  const double s = now_seconds() - start;
  return 2.0 * static_cast<double>(m * n * k) * static_cast<double>(iters) / s / 1e9;
}

// Prints the floor of the ring iteration (see the file comment).
void print_floor(double minidl_ms, double torch_ms) {
  const double flops = ring_iter_flops(256, 128);
  std::printf("  floor: %.1f MFLOP of GEMM per iteration (MLPs 2-128-128-{2,1}, batch 256)\n",
              flops / 1e6);
  // The three forms the step runs: forward x W^T, dX = g W, dW = g^T x.
  struct Form {
    const char* name;
    bool ta, tb;
    std::int64_t m, n, k;
  };
  const Form forms[] = {{"forward x W^T [256x128]x[128x128]^T", false, true, 256, 128, 128},
                        {"dX = g W      [256x128]x[128x128]  ", false, false, 256, 128, 128},
                        {"dW = g^T x    [256x128]^T x[256x128]", true, false, 128, 128, 256},
                        {"forward x W^T [512x128]x[128x128]^T", false, true, 512, 128, 128},
                        {"dX = g W      [512x128]x[128x128]  ", false, false, 512, 128, 128},
                        {"dW = g^T x    [512x128]^T x[512x128]", true, false, 128, 128, 512}};
  // The floor is the fastest way to run a GEMM here: one bare single-threaded OpenBLAS sgemm,
  // minidl's own kernel on one thread (where it applies), or minidl::matmul on every thread.
  double best = 0;
  for (const Form& f : forms) {
    const double bare = gemm_gflops(f.ta, f.tb, f.m, f.n, f.k, GemmWay::kOpenBlas, 3000);
    const double mm = gemm_gflops(f.ta, f.tb, f.m, f.n, f.k, GemmWay::kMatmul, 3000);
    best = std::max({best, bare, mm});
    // minidl's own kernel on one thread, where it is in use for this shape (tensor/sgemm_avx512.h).
    char own[32] = "-";
    if (detail::own_sgemm_applies(f.ta, f.tb, f.m, f.n, f.k)) {
      const double o = gemm_gflops(f.ta, f.tb, f.m, f.n, f.k, GemmWay::kOwn, 3000);
      best = std::max(best, o);
      std::snprintf(own, sizeof own, "%.1f", o);
    }
    std::printf(
        "  sgemm %s: OpenBLAS 1 thread %.1f GFLOP/s, own kernel 1 thread %s, minidl::matmul "
        "%.1f\n",
        f.name, bare, own, mm);
  }
  std::printf(
      "  minidl's step: %.1f GFLOP/s (%.3f ms/iter); all GEMMs at the best rate above "
      "(%.1f GFLOP/s) and nothing else: %.3f ms/iter\n",
      flops / (minidl_ms * 1e6), minidl_ms, best, flops / (best * 1e6));
  if (torch_ms > 0)
    std::printf("  0.3 x PyTorch = %.3f ms/iter needs %.1f GFLOP/s over the whole step (%s)\n",
                0.3 * torch_ms, flops / (0.3 * torch_ms * 1e6),
                flops / (best * 1e6) <= 0.3 * torch_ms
                    ? "below the best GEMM rate: the rest of the step must fit in the difference"
                    : "above the best GEMM rate: unreachable");
}

// gan_fashion's DCGAN (examples/gan/gan_fashion.cpp; bench/ may not include examples/).
struct DcGan {
  Generator gen{0};
  std::shared_ptr<nn::Sequential> g, d;
  std::unique_ptr<optim::Adam> g_opt, d_opt;
  std::unique_ptr<train::gan::GanTrainer> t;
  DcGan() {
    const nn::ConvTranspose2dOptions up{.stride = 2, .padding = 1};
    const nn::Conv2dOptions down{.stride = 2, .padding = 1};
    g = std::make_shared<nn::Sequential>(
        std::make_shared<nn::Linear>(64, 64 * 7 * 7, gen),
        std::make_shared<nn::BatchNorm1d>(64 * 7 * 7), std::make_shared<nn::ReLU>(),
        std::make_shared<nn::Unflatten>(1, Shape{64, 7, 7}),
        std::make_shared<nn::ConvTranspose2d>(64, 32, 4, gen, up),
        std::make_shared<nn::BatchNorm2d>(32), std::make_shared<nn::ReLU>(),
        std::make_shared<nn::ConvTranspose2d>(32, 1, 4, gen, up), std::make_shared<nn::Tanh>());
    d = std::make_shared<nn::Sequential>(
        std::make_shared<nn::Conv2d>(1, 32, 4, gen, down), std::make_shared<nn::LeakyReLU>(0.2),
        std::make_shared<nn::Conv2d>(32, 64, 4, gen, down), std::make_shared<nn::BatchNorm2d>(64),
        std::make_shared<nn::LeakyReLU>(0.2), std::make_shared<nn::Flatten>(),
        std::make_shared<nn::Linear>(64 * 7 * 7, 1, gen));
    g_opt = std::make_unique<optim::Adam>(g->parameters(),
                                          optim::AdamOptions{.lr = 2e-4, .betas = {0.5, 0.999}});
    d_opt = std::make_unique<optim::Adam>(d->parameters(),
                                          optim::AdamOptions{.lr = 2e-4, .betas = {0.5, 0.999}});
    const Tensor real = sub(mul(rand({64, 1, 28, 28}, gen), 2.0), 1.0);
    t = std::make_unique<train::gan::GanTrainer>(
        *g, *d, *g_opt, *d_opt, [real](std::int64_t, Generator&) { return real; },
        train::gan::GanOptions{.objective = train::gan::Objective::kNonSaturating,
                               .batch_size = 64,
                               .noise_dim = 64,
                               .seed = 1000,
                               .verbose = 0});
    for (int i = 0; i < 3; ++i) t->step();  // warm-up
  }
  double steps(std::int64_t k) {
    const double start = now_seconds();
    for (std::int64_t i = 0; i < k; ++i) t->step();
    return now_seconds() - start;
  }
};

// Runs bench/torch_gan.py and reads its JSON line (a tiny parser: the keys are known).
Run torch_run(const std::string& python, std::int64_t iters, std::int64_t reps, int threads,
              std::uint64_t seed, bool measure, bool dcgan = false) {
  const std::string cmd = python + " " + MINIDL_SOURCE_DIR + "/bench/torch_gan.py" +
                          (dcgan ? " --model dcgan" : "") + (g_cpu_time ? " --clock cpu" : "") +
                          " --iters " + std::to_string(iters) + " --reps " + std::to_string(reps) +
                          " --threads " + std::to_string(threads) + " --seed " +
                          std::to_string(seed) + (measure ? " --measure" : "") + " 2>/dev/null";
  Run r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  pclose(p);
  const auto list = out.find("\"ms_per_iter\": [");
  if (list == std::string::npos) return r;
  const char* c = out.c_str() + list + std::strlen("\"ms_per_iter\": [");
  while (*c && *c != ']') {
    char* end = nullptr;
    r.ms.push_back(std::strtod(c, &end));
    c = end;
    while (*c == ',' || *c == ' ') ++c;
  }
  if (auto m = out.find("\"modes\": "); m != std::string::npos)
    r.modes = std::strtol(out.c_str() + m + 9, nullptr, 10);
  if (auto h = out.find("\"high_quality\": "); h != std::string::npos)
    r.high_quality = std::strtod(out.c_str() + h + 16, nullptr);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t iters = 500, reps = 5, dcgan_iters = 20;
  int threads = 2, trial_rounds = 3;
  bool with_torch = true, json = false, measure = false, profile = false;
  std::string trace_path;  // --trace PATH: with --profile, the ring's Chrome trace
  std::string python = "/usr/bin/python3";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--iters")
      iters = std::stoll(next());
    else if (a == "--reps")
      reps = std::stoll(next());
    else if (a == "--threads")
      threads = std::stoi(next());
    else if (a == "--dcgan-iters")
      dcgan_iters = std::stoll(next());
    else if (a == "--cpu-time")
      g_cpu_time = true;
    else if (a == "--grad-norms")
      g_grad_norms = true;
    else if (a == "--sequential")
      g_side_by_side = false;
    else if (a == "--no-torch")
      with_torch = false;
    else if (a == "--json")
      json = true;
    else if (a == "--measure")
      measure = true;
    else if (a == "--profile")
      profile = true;
    else if (a == "--trace" && i + 1 < argc)
      trace_path = argv[++i];
    else if (a == "--quick")
      iters = 100, reps = 2, dcgan_iters = 5, trial_rounds = 2;
    else if (a == "--python")
      python = next();
    else {
      std::fprintf(stderr,
                   "usage: bench_gan [--iters K] [--reps R] [--threads T] [--dcgan-iters K] "
                   "[--cpu-time] [--grad-norms] [--sequential] [--no-torch] [--json] [--measure] "
                   "[--quick] "
                   "[--python PATH] [--profile [--trace PATH]]\n");
      return a == "--help" ? 0 : 2;
    }
  }
  if (iters < 0 || reps < 1 || threads < 1 || dcgan_iters < 0) {
    std::fprintf(stderr,
                 "bench_gan: --reps and --threads must be >= 1, --iters and --dcgan-iters >= 0\n");
    return 2;
  }
  set_num_threads(threads);
  if (profile) {
    if (iters > 0) {
      RingGan ring(0);
      Profiler prof;
      ring.steps(iters);
      std::printf("ring GAN, %lld iterations:\n%s", static_cast<long long>(iters),
                  prof.table().c_str());
      if (!trace_path.empty()) prof.write_trace(trace_path);
    }
    if (dcgan_iters > 0) {
      DcGan gan;
      Profiler prof;
      gan.steps(dcgan_iters);
      std::printf("DCGAN, %lld iterations:\n%s", static_cast<long long>(dcgan_iters),
                  prof.table().c_str());
    }
    return 0;
  }
  bench::Coprocess torch;
  if (with_torch &&
      !torch.start({python, std::string(MINIDL_SOURCE_DIR) + "/bench/torch_gan.py", "--serve"},
                   "bench_gan")) {
    std::fprintf(stderr, "bench_gan: PyTorch side unavailable (%s bench/torch_gan.py --serve)\n",
                 python.c_str());
  }
  const bool ref = torch.running();
  const std::vector<bench::Setting> settings =
      ref ? bench::torch_settings(torch) : std::vector<bench::Setting>{};
  const bench::ContestOptions co{trial_rounds, static_cast<int>(reps)};
  // --cpu-time: the coprocess's units time wall seconds; its CPU time is not comparable, so the
  // reference is left out.
  const bool compare = ref && !g_cpu_time;
  auto row = [&](const std::string& name, const std::function<double()>& mine,
                 const std::string& unit_cmd, std::int64_t k, double target) {
    const bench::Outcome o = bench::contest(
        mine, compare ? std::function<double()>([&] { return torch.call(unit_cmd); }) : nullptr,
        compare ? settings : std::vector<bench::Setting>{}, co);
    bench::Row r = bench::make_row(
        name, "ms/iter", false, o, [k](double s) { return 1000.0 * s / static_cast<double>(k); },
        o.has_reference() ? "pytorch " + torch.version() + " (" + o.chosen + ")"
                          : "pytorch (skipped)",
        bench::Target{target, true, "issue 10"});
    r.note = "blocks of " + std::to_string(k) + " iterations, minidl on " +
             std::to_string(threads) + " thread(s)" +
             (o.settings.empty() ? ""
                                 : "\n               pytorch trials, s/block, median [IQR]: " +
                                       o.settings_note(""));
    json ? bench::print_json(r) : bench::print_table_row(r);
    return r;
  };
  std::vector<bench::Row> rows;
  if (!json) {
    std::printf(
        "gan_ns_ring_iter: non-saturating GAN, 8-Gaussian ring, MLPs 2-128-128-{2,1}, batch 256, "
        "Adam; gan_dcgan_step: gan_fashion's DCGAN, 28x28, batch 64, one D and one G step\n");
    bench::print_table_header();
  }
  if (iters > 0) {
    RingGan gan(0);
    rows.push_back(row(
        "gan_ns_ring_iter", [&] { return gan.steps(iters); }, "ring " + std::to_string(iters),
        iters, 0.3));
  }
  if (!json && iters > 0) {
    const bench::Row& r = rows.back();
    print_floor(r.minidl.median, r.reference ? r.reference->median : 0);
  }
  if (dcgan_iters > 0) {
    DcGan gan;
    rows.push_back(row(
        "gan_dcgan_step", [&] { return gan.steps(dcgan_iters); },
        "dcgan " + std::to_string(dcgan_iters), dcgan_iters, 0.8));
  }
  if (!json) bench::print_targets(rows);
  torch.stop();
  if (measure) {
    for (std::uint64_t seed = 0; seed < 3; ++seed) {
      const Run ms = minidl_run(5000, seed);
      const Run ts = with_torch ? torch_run(python, 5000, 1, threads, seed, true) : Run{};
      std::printf(
          "  seed %llu, 5000 iterations: minidl %lld/8 modes, %.1f%% high quality; "
          "pytorch %lld/8, %.1f%%\n",
          static_cast<unsigned long long>(seed), static_cast<long long>(ms.modes),
          100 * ms.high_quality, static_cast<long long>(ts.modes), 100 * ts.high_quality);
    }
  }
  return 0;
}
