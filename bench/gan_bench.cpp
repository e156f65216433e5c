// bench_gan: the reference work of issue 10, minidl against PyTorch in one run.
//
// The non-saturating GAN on the 8-Gaussian ring: G and D both ReLU MLPs 2-128-128-{2, 1}
// (PyTorch's default init), z ~ N(0, I_2), batch 256, Adam(1e-3, betas (0.5, 0.999)) for both,
// one D step then one G step per iteration, through train::gan::GanTrainer::step() (which also
// measures both gradient norms and D's output means for the log: minidl does that work on top).
// PyTorch runs the same iteration in bench/torch_gan.py (started here, from this source tree).
// Each side times --iters iterations --reps times after 20 warm-up iterations; the medians and
// their ratio are printed (a ratio below 1 means minidl is faster). With --measure both sides
// then train 5000 iterations from seed 0, 1, 2 and report modes covered / high-quality samples.
//
//   bench_gan [--iters K] [--reps R] [--threads T] [--no-torch] [--json] [--measure]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "data/toy2d.h"
#include "metrics/mode_coverage.h"
#include "nn/activation.h"
#include "nn/linear.h"
#include "nn/sequential.h"
#include "optim/adam.h"
#include "tensor/parallel.h"
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

struct Run {
  std::vector<double> ms;  // per rep
  std::int64_t modes = -1;
  double high_quality = 0;
};

Run minidl_run(std::int64_t iters, std::int64_t reps, std::uint64_t seed, bool measure) {
  Generator init(seed);
  auto g = mlp(2, init), d = mlp(1, init);
  optim::Adam g_opt(g->parameters(), {.lr = 1e-3, .betas = {0.5, 0.999}});
  optim::Adam d_opt(d->parameters(), {.lr = 1e-3, .betas = {0.5, 0.999}});
  train::gan::GanTrainer t(
      *g, *d, g_opt, d_opt,
      [](std::int64_t n, Generator& gen) {
        return data::sample_toy2d(data::Toy2d::kRing8, n, gen);
      },
      {.objective = train::gan::Objective::kNonSaturating, .seed = seed + 1000, .verbose = 0});
  Run r;
  for (int i = 0; i < 20; ++i) t.step();
  for (std::int64_t k = 0; k < reps; ++k) {
    const auto start = std::chrono::steady_clock::now();
    for (std::int64_t i = 0; i < iters; ++i) t.step();
    r.ms.push_back(1000.0 *
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() /
                   static_cast<double>(iters));
  }
  if (measure) {
    Generator eval(seed + 2000);
    const metrics::ModeCoverage m =
        metrics::mode_coverage(t.sample(2000, eval), data::toy2d_modes(data::Toy2d::kRing8));
    r.modes = m.modes_covered;
    r.high_quality = m.high_quality;
  }
  return r;
}

// Runs bench/torch_gan.py and reads its JSON line (a tiny parser: the keys are known).
Run torch_run(const std::string& python, std::int64_t iters, std::int64_t reps, int threads,
              std::uint64_t seed, bool measure) {
  const std::string cmd = python + " " + MINIDL_SOURCE_DIR + "/bench/torch_gan.py --iters " +
                          std::to_string(iters) + " --reps " + std::to_string(reps) +
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

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t iters = 500, reps = 5;
  int threads = 2;
  bool with_torch = true, json = false, measure = false;
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
    else if (a == "--no-torch")
      with_torch = false;
    else if (a == "--json")
      json = true;
    else if (a == "--measure")
      measure = true;
    else if (a == "--quick")
      iters = 100, reps = 3;
    else if (a == "--python")
      python = next();
    else {
      std::fprintf(stderr,
                   "usage: bench_gan [--iters K] [--reps R] [--threads T] [--no-torch] [--json] "
                   "[--measure] [--quick] [--python PATH]\n");
      return a == "--help" ? 0 : 2;
    }
  }
  if (iters < 1 || reps < 1 || threads < 1) {
    std::fprintf(stderr, "bench_gan: --iters, --reps and --threads must be >= 1\n");
    return 2;
  }
  set_num_threads(threads);
  const Run m = minidl_run(iters, reps, 0, false);
  const Run t = with_torch ? torch_run(python, iters, reps, threads, 0, false) : Run{};
  const double mm = median(m.ms), tm = median(t.ms);
  if (json) {
    std::printf(
        "{\"bench\": \"gan_ns_ring_iter\", \"minidl\": %.6g, \"reference\": %.6g, "
        "\"reference_name\": \"pytorch\", \"unit\": \"ms/iter\", \"speedup\": %.4g}\n",
        mm, tm, tm / mm);
  } else {
    std::printf(
        "non-saturating GAN, 8-Gaussian ring, MLPs 2-128-128-{2,1}, batch 256, Adam, "
        "%d thread(s), median of %lld x %lld iterations\n",
        threads, static_cast<long long>(reps), static_cast<long long>(iters));
    std::printf("  minidl   %.3f ms/iter\n", mm);
    if (with_torch && !t.ms.empty())
      std::printf("  pytorch  %.3f ms/iter\n  minidl / pytorch = %.3f (target <= 0.3)\n", tm,
                  mm / tm);
    else if (with_torch)
      std::printf("  pytorch  unavailable (%s bench/torch_gan.py failed)\n", python.c_str());
  }
  if (measure) {
    for (std::uint64_t seed = 0; seed < 3; ++seed) {
      const Run ms = minidl_run(5000, 1, seed, true);
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
