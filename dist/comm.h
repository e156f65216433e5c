// The process group of data-parallel training (layer 4, namespace minidl::dist): the one door to
// MPI (only dist/comm.cpp includes <mpi.h>; scripts/lint checks it). Open MPI on Debian
// (libopenmpi-dev, openmpi-bin); run with `mpirun -np P program --distributed`.
//
//   int main(int argc, char** argv) {
//     return dist::run_main(argc, argv, [&] { ... train ...; return 0; });
//   }
//
// World: P processes ("ranks" 0..P-1), each a full copy of the program. Without MPI at build time
// (MINIDL_MPI off) or without init(), the world is one rank and every collective is the identity
// (sums of one value, a broadcast to oneself), so a distributed program also runs as one process.
//
// Collectives (every rank calls the same ones in the same order, or the program hangs: MPI's
// rule). Reductions of doubles and int64 are elementwise over the ranks:
//   allreduce_sum(v)    v <- sum_r v_r       (MPI_Allreduce; the order of the sum is MPI's)
//   allreduce_max/min   v <- max_r / min_r
//   allgather(v)        [v_0, v_1, ..., v_{P-1}] on every rank (every v_r of the same length)
//   broadcast(t, root)  t <- t_root, for a contiguous float32/float64/int64 tensor
// Failure: run_main catches an exception on any rank, prints "rank r/P: <message>" on stderr and
// calls MPI_Abort, which ends every rank of the job with a non-zero status at once (the others
// may be blocked in a collective that would never complete: returning 1 on one rank would hang
// the job). Open MPI's mpirun then reports the abort and exits non-zero.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace minidl::dist {

// True when minidl was built with MPI (MINIDL_MPI).
bool built_with_mpi();
// How many processes the launcher started (Open MPI's OMPI_COMM_WORLD_SIZE, MPICH/Hydra's and
// Slurm's PMI_SIZE), 1 when none says. A build without MPI refuses to init() when this is above 1:
// each process would otherwise train alone on all the data, silently.
int launched_world_size();
// Starts MPI (MPI_Init_thread, funneled: only the main thread calls MPI). A second call is a
// no-op. Without MPI at build time it does nothing; the world stays one rank.
void init(int* argc = nullptr, char*** argv = nullptr);
// Ends MPI (MPI_Finalize) if init() started it.
void finalize();
bool initialized();
int rank();        // 0 when not initialized
int world_size();  // 1 when not initialized
inline bool is_main_rank() { return rank() == 0; }

void barrier();
void allreduce_sum(std::vector<double>& values);
void allreduce_sum(std::vector<std::int64_t>& values);
void allreduce_max(std::vector<double>& values);
void allreduce_min(std::vector<double>& values);
double allreduce_sum(double value);
double allreduce_max(double value);
std::int64_t allreduce_sum(std::int64_t value);
std::vector<double> allgather(const std::vector<double>& values);
std::vector<std::int64_t> allgather(const std::vector<std::int64_t>& values);
std::vector<float> allgather(const std::vector<float>& values);
// In place on every rank but root; t must be defined, of the same dtype and shape on every rank.
void broadcast(Tensor& t, int root = 0);

// Raw collectives over float32 / float64 buffers (the gradient buckets use these).
// sum: in-place MPI_Allreduce SUM. gather: out gets P * n values, rank r's at [r n, (r+1) n).
void allreduce_sum_raw(float* data, std::int64_t n);
void allreduce_sum_raw(double* data, std::int64_t n);
void allgather_raw(const float* data, std::int64_t n, float* out);
void allgather_raw(const double* data, std::int64_t n, double* out);

// Ends every rank of the job now: prints "rank r/P: message" on stderr, then MPI_Abort with
// `code`. Without MPI (or before init) there is no job to end: it throws minidl::Error(message).
[[noreturn]] void abort_job(const std::string& message, int code = 1);

// For a program's main: init() now when `enabled` (a --distributed flag), finalize() at scope
// exit; on ranks other than 0, stdout goes to /dev/null (one rank prints the run; stderr stays,
// so every rank's errors are seen).
class Session {
 public:
  Session(int& argc, char**& argv, bool enabled = true);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
};

// A program's catch block calls this before printing and returning 1: with several ranks,
// returning on one rank would leave the others waiting in a collective forever, so it ends the
// job (abort_job). With one rank it returns and the program goes on to fail normally.
void fail_job_if_distributed(const std::string& message);

// init(), body(), finalize(). An exception escaping body() on any rank becomes abort_job(its
// message). Returns body()'s value.
int run_main(int& argc, char**& argv, const std::function<int()>& body);

// More than one rank: the collectives do work.
inline bool active() { return world_size() > 1; }

}  // namespace minidl::dist
