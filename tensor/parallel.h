// The only door to oneTBB (tensor/parallel.cpp is the one file that includes it).
//
// Determinism: work is cut into chunks of a fixed, named grain, never a function of the thread
// count; reductions combine their per-chunk partials in chunk order. So a result is bitwise the
// same on 1 or N threads. Work of one chunk or less runs inline on the calling thread, which keeps
// tiny tensors free of scheduling overhead.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace minidl {

// Named grains (elements per chunk). Chosen so one chunk is ~10-50 µs of work.
// kGrainElementwise cuts a [256, 128] activation (ReLU, bias add, ReLU's backward) into two
// chunks: ~1.5 us each on two threads against ~3 us inline, once the second core is awake (the
// ring GAN iteration, bench_gan, 1.09 -> 1.045 ms on two threads; no change on one thread;
// docs/benchmarks.md, "Ring GAN overhead"). At 32768 every such op ran on the caller alone.
inline constexpr std::int64_t kGrainElementwise = 16384;    // cheap ops: add, mul, relu
inline constexpr std::int64_t kGrainTranscendental = 8192;  // exp, log, tanh, pow
inline constexpr std::int64_t kGrainReduce = 32768;         // elements per partial sum
inline constexpr std::int64_t kGrainRows = 16;              // rows of a row-wise kernel (softmax)

// The number of cores minidl uses: oneTBB's worker count, which also bounds matmul, since GEMMs
// are spread over TBB tasks with OpenBLAS pinned to one thread per call (tensor/blas.h). n <= 0
// restores the default (all cores).
void set_num_threads(int n);
int get_num_threads();

// Calls fn(begin, end) on each chunk [k*grain, min(n, (k+1)*grain)), possibly in parallel.
void parallel_for(std::int64_t n, std::int64_t grain,
                  const std::function<void(std::int64_t, std::int64_t)>& fn);

// For its lifetime, this thread runs every parallel_for (and parallel_reduce, parallel_invoke)
// inline, chunk after chunk in order: the same chunks, so the same bits. For work that is itself
// one of two tasks side by side (a GAN's D(real) beside D(fake), train/gan): left to split, each
// task's kernels waited on blocks the other thread had taken between its own, and the two GEMMs at
// once ran no faster than one after the other. Scopes nest.
class SerialScope {
 public:
  SerialScope();
  ~SerialScope();
  SerialScope(const SerialScope&) = delete;
  SerialScope& operator=(const SerialScope&) = delete;

 private:
  bool prev_;
};

// Runs first() and second(), possibly at once on two threads (each may use parallel_for inside;
// the pool balances the nested work). Returns when both are done; an exception from either is
// rethrown here. For independent pieces of work whose results do not depend on which thread runs
// them (a matmul backward's two products, autograd/linalg_ops.cpp).
void parallel_invoke(const std::function<void()>& first, const std::function<void()>& second);

// Deterministic reduction: partial[k] = chunk_fn(begin_k, end_k), combined left to right with
// combine, starting from identity.
double parallel_reduce(std::int64_t n, std::int64_t grain, double identity,
                       const std::function<double(std::int64_t, std::int64_t)>& chunk_fn,
                       const std::function<double(double, double)>& combine);

// Number of chunks parallel_for would make (for kernels that keep per-chunk scratch).
inline std::int64_t num_chunks(std::int64_t n, std::int64_t grain) {
  return n <= 0 ? 0 : (n + grain - 1) / grain;
}

}  // namespace minidl
