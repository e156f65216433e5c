// The one file that includes oneTBB.
#include "tensor/parallel.h"

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>

#include <memory>
#include <mutex>

#include "tensor/blas.h"

namespace minidl {
namespace {

std::mutex g_mu;
std::unique_ptr<tbb::global_control> g_control;
int g_threads = 0;  // 0: default

int default_threads() { return tbb::info::default_concurrency(); }
thread_local bool t_serial = false;  // a SerialScope is alive on this thread

}  // namespace

void set_num_threads(int n) {
  std::lock_guard<std::mutex> lock(g_mu);
  int want = n <= 0 ? default_threads() : n;
  g_control.reset();
  g_control = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                    static_cast<std::size_t>(want));
  blas::pin_single_thread();
  g_threads = want;
}

int get_num_threads() {
  std::lock_guard<std::mutex> lock(g_mu);
  return g_threads > 0 ? g_threads : default_threads();
}

void parallel_for(std::int64_t n, std::int64_t grain,
                  const std::function<void(std::int64_t, std::int64_t)>& fn) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  const std::int64_t chunks = num_chunks(n, grain);
  if (chunks == 1) {
    fn(0, n);
    return;
  }
  if (t_serial) {
    for (std::int64_t b = 0; b < n; b += grain) fn(b, b + grain < n ? b + grain : n);
    return;
  }
  // One task per chunk; simple_partitioner with grainsize 1 keeps chunk boundaries fixed.
  tbb::parallel_for(
      tbb::blocked_range<std::int64_t>(0, chunks, 1),
      [&](const tbb::blocked_range<std::int64_t>& r) {
        for (std::int64_t c = r.begin(); c < r.end(); ++c) {
          std::int64_t b = c * grain;
          std::int64_t e = b + grain < n ? b + grain : n;
          fn(b, e);
        }
      },
      tbb::simple_partitioner());
}

SerialScope::SerialScope() : prev_(t_serial) { t_serial = true; }
SerialScope::~SerialScope() { t_serial = prev_; }

void parallel_invoke(const std::function<void()>& first, const std::function<void()>& second) {
  parallel_for(2, 1, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) (i == 0 ? first : second)();
  });
}

double parallel_reduce(std::int64_t n, std::int64_t grain, double identity,
                       const std::function<double(std::int64_t, std::int64_t)>& chunk_fn,
                       const std::function<double(double, double)>& combine) {
  if (n <= 0) return identity;
  if (grain < 1) grain = 1;
  const std::int64_t chunks = num_chunks(n, grain);
  if (chunks == 1) return combine(identity, chunk_fn(0, n));
  std::vector<double> partial(static_cast<std::size_t>(chunks));
  parallel_for(n, grain,
               [&](std::int64_t b, std::int64_t e) { partial[b / grain] = chunk_fn(b, e); });
  double acc = identity;
  for (double p : partial) acc = combine(acc, p);
  return acc;
}

}  // namespace minidl
