// bench_phases: does this machine run two threads at two-thread speed? A diagnostic for reading
// the two-thread benchmark rows (docs/benchmarks.md, "Two-thread phases"), with no minidl code
// in it: a loop that keeps one core's vector ALUs busy (no memory traffic, no library)
// counts its iterations in windows of --window seconds, first on one thread, then on two at once.
//
// On a machine with two free cores each of two threads runs at the one-thread rate. On the VMs
// this project is measured on, two threads alternate, in phases of seconds, between ~0.9x and
// ~0.7x of the one-thread rate each for this loop, and compute-bound AVX-512 code (GEMM) falls
// to near one-thread speed in total in the slow phases. The guest sees no steal time: the host
// decides where the two vCPUs run (two SMT siblings of one core would give what the slow phases
// show), and nothing in a guest program changes it.
//
//   bench_phases [--seconds S] [--window W]      (defaults 15 and 0.25)
// Prints one line per window (per-thread rate relative to the one-thread median) and a summary:
// the share of windows where two threads ran below --slow (default 0.8) of the one-thread rate.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

std::atomic<bool> g_stop{false};

void spin(std::atomic<std::int64_t>& count) {
  std::int64_t local = 0;
  while (!g_stop.load(std::memory_order_relaxed)) {
    // Eight independent chains of 256-bit multiply-adds (GCC vector types: they stay in
    // registers) keep the core's vector ALUs busy every cycle, as a GEMM kernel does: two
    // threads on two cores each keep their rate, two SMT siblings of one core share the ALUs
    // and get about half each.
    using V = std::uint64_t __attribute__((vector_size(32)));
    V a = V{} + static_cast<std::uint64_t>(local), b = a + 1, c = a + 2, d = a + 3, e = a + 4,
      f = a + 5, g = a + 6, h = a + 7;
    for (int i = 0; i < 4096; ++i) {
      a = a * 3 + 1;
      b = b * 3 + 1;
      c = c * 3 + 1;
      d = d * 3 + 1;
      e = e * 3 + 1;
      f = f * 3 + 1;
      g = g * 3 + 1;
      h = h * 3 + 1;
    }
    const V sum = a + b + c + d + e + f + g + h;
    asm volatile("" : : "r"(sum[0]));
    ++local;
    count.store(local, std::memory_order_relaxed);
  }
}

// Iterations per window of each of `threads` spinning threads, over `seconds`.
std::vector<std::vector<double>> run(int threads, double seconds, double window) {
  g_stop = false;
  std::vector<std::atomic<std::int64_t>> counts(static_cast<std::size_t>(threads));
  std::vector<std::thread> pool;
  for (auto& c : counts) pool.emplace_back(spin, std::ref(c));
  std::vector<std::vector<double>> rates;
  std::vector<std::int64_t> last(counts.size(), 0);
  const auto t0 = Clock::now();
  auto next = t0;
  while (std::chrono::duration<double>(next - t0).count() < seconds) {
    next += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(window));
    std::this_thread::sleep_until(next);
    std::vector<double> row;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      const std::int64_t c = counts[i].load(std::memory_order_relaxed);
      row.push_back(static_cast<double>(c - last[i]));
      last[i] = c;
    }
    rates.push_back(row);
  }
  g_stop = true;
  for (auto& t : pool) t.join();
  return rates;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 15, window = 0.25, slow = 0.8;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 < argc && a == "--seconds")
      seconds = std::atof(argv[++i]);
    else if (i + 1 < argc && a == "--window")
      window = std::atof(argv[++i]);
    else if (i + 1 < argc && a == "--slow")
      slow = std::atof(argv[++i]);
    else {
      std::fprintf(stderr, "usage: bench_phases [--seconds S] [--window W] [--slow F]\n");
      return 2;
    }
  }
  if (!(seconds > 0) || !(window > 0) || window > seconds) {
    std::fprintf(stderr, "bench_phases: need 0 < --window <= --seconds\n");
    return 2;
  }
  std::vector<double> one;
  for (const auto& row : run(1, std::min(seconds, 3.0), window)) one.push_back(row[0]);
  const double base = median(one);
  std::printf("one thread: %.0f iterations per window (median of %zu)\n", base, one.size());
  const auto two = run(2, seconds, window);
  int slow_windows = 0;
  std::printf("two threads, per-thread rate / one-thread rate:\n");
  for (std::size_t w = 0; w < two.size(); ++w) {
    const double a = two[w][0] / base, b = two[w][1] / base;
    const bool is_slow = (a + b) / 2 < slow;
    slow_windows += is_slow ? 1 : 0;
    std::printf("  %6.2f s  %.2f  %.2f%s\n", static_cast<double>(w + 1) * window, a, b,
                is_slow ? "  slow" : "");
  }
  std::printf("slow windows (mean below %.2f): %d of %zu (%.0f%%)\n", slow, slow_windows,
              two.size(), 100.0 * slow_windows / static_cast<double>(two.size()));
  return 0;
}
