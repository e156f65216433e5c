#include "dist/comm.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <limits>

#include "tensor/error.h"

#if MINIDL_HAVE_MPI
#include <mpi.h>
#endif

namespace minidl::dist {
namespace {

bool g_started = false;  // init() called MPI_Init_thread (so finalize() must end it)

int check_count(const char* op, std::int64_t n) {
  MINIDL_CHECK(n >= 0 && n <= std::numeric_limits<int>::max(), "dist::", op, ": ", n,
               " values is more than one MPI call takes (2^31 - 1)");
  return static_cast<int>(n);
}

#if MINIDL_HAVE_MPI
bool mpi_up() {
  int up = 0, down = 0;
  MPI_Initialized(&up);
  MPI_Finalized(&down);
  return up && !down;
}

void check_mpi(const char* op, int code) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(code, text, &len);
  throw Error(std::string("dist::") + op + ": MPI error: " + std::string(text, len));
}

template <class T>
MPI_Datatype mpi_type();
template <>
MPI_Datatype mpi_type<float>() {
  return MPI_FLOAT;
}
template <>
MPI_Datatype mpi_type<double>() {
  return MPI_DOUBLE;
}
template <>
MPI_Datatype mpi_type<std::int64_t>() {
  return MPI_INT64_T;
}
#endif

template <class T>
void reduce(const char* op, T* data, std::int64_t n, [[maybe_unused]] int which) {
  const int count = check_count(op, n);
  if (!active() || count == 0) return;
#if MINIDL_HAVE_MPI
  const MPI_Op mop = which == 0 ? MPI_SUM : which == 1 ? MPI_MAX : MPI_MIN;
  check_mpi(op, MPI_Allreduce(MPI_IN_PLACE, data, count, mpi_type<T>(), mop, MPI_COMM_WORLD));
#endif
}

template <class T>
void gather(const char* op, const T* data, std::int64_t n, T* out) {
  const int count = check_count(op, n);
  if (!active()) {
    std::copy(data, data + n, out);
    return;
  }
#if MINIDL_HAVE_MPI
  check_mpi(op,
            MPI_Allgather(data, count, mpi_type<T>(), out, count, mpi_type<T>(), MPI_COMM_WORLD));
#endif
}

template <class T>
std::vector<T> gather_vector(const char* op, const std::vector<T>& values) {
  const auto n = static_cast<std::int64_t>(values.size());
  // Every rank must give the same length: checked here so a mismatch is an error, not garbage.
  const double lo = -allreduce_max(-static_cast<double>(n)), hi = allreduce_max(double(n));
  MINIDL_CHECK(lo == hi, "dist::", op, ": ranks give different lengths (", lo, " to ", hi, ")");
  std::vector<T> out(values.size() * static_cast<std::size_t>(world_size()));
  gather(op, values.data(), n, out.data());
  return out;
}

}  // namespace

bool built_with_mpi() { return MINIDL_HAVE_MPI != 0; }

int launched_world_size() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"})
    if (const char* s = std::getenv(var)) {
      const int n = std::atoi(s);
      if (n > 1) return n;
    }
  return 1;
}

void init(int* argc, char*** argv) {
#if MINIDL_HAVE_MPI
  int up = 0;
  MPI_Initialized(&up);
  if (up) return;
  int provided = 0;
  check_mpi("init", MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided));
  g_started = true;
  // Errors come back as codes (turned into minidl::Error) rather than aborting inside MPI.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
#else
  (void)argc;
  (void)argv;
  const int launched = launched_world_size();
  MINIDL_CHECK(
      launched <= 1,
      "dist::init: minidl was built without MPI (MINIDL_MPI=OFF), but "
      "this process was launched as one of ",
      launched,
      " (mpirun): each would train "
      "alone on all the data; rebuild minidl with MPI (libopenmpi-dev) to run distributed");
#endif
}

void finalize() {
#if MINIDL_HAVE_MPI
  if (g_started && mpi_up()) MPI_Finalize();
#endif
  g_started = false;
}

bool initialized() {
#if MINIDL_HAVE_MPI
  return mpi_up();
#else
  return false;
#endif
}

int rank() {
#if MINIDL_HAVE_MPI
  if (!mpi_up()) return 0;
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
#else
  return 0;
#endif
}

int world_size() {
#if MINIDL_HAVE_MPI
  if (!mpi_up()) return 1;
  int p = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &p);
  return p;
#else
  return 1;
#endif
}

void barrier() {
#if MINIDL_HAVE_MPI
  if (active()) check_mpi("barrier", MPI_Barrier(MPI_COMM_WORLD));
#endif
}

void allreduce_sum(std::vector<double>& v) {
  reduce("allreduce_sum", v.data(), static_cast<std::int64_t>(v.size()), 0);
}
void allreduce_sum(std::vector<std::int64_t>& v) {
  reduce("allreduce_sum", v.data(), static_cast<std::int64_t>(v.size()), 0);
}
void allreduce_max(std::vector<double>& v) {
  reduce("allreduce_max", v.data(), static_cast<std::int64_t>(v.size()), 1);
}
void allreduce_min(std::vector<double>& v) {
  reduce("allreduce_min", v.data(), static_cast<std::int64_t>(v.size()), 2);
}
double allreduce_sum(double value) {
  reduce("allreduce_sum", &value, 1, 0);
  return value;
}
double allreduce_max(double value) {
  reduce("allreduce_max", &value, 1, 1);
  return value;
}
std::int64_t allreduce_sum(std::int64_t value) {
  reduce("allreduce_sum", &value, 1, 0);
  return value;
}

std::vector<double> allgather(const std::vector<double>& v) {
  return gather_vector("allgather", v);
}
std::vector<std::int64_t> allgather(const std::vector<std::int64_t>& v) {
  return gather_vector("allgather", v);
}
std::vector<float> allgather(const std::vector<float>& v) { return gather_vector("allgather", v); }

void broadcast(Tensor& t, int root) {
  MINIDL_CHECK(t.defined(), "dist::broadcast: the tensor is undefined");
  MINIDL_CHECK(root >= 0 && root < world_size(), "dist::broadcast: root ", root,
               " out of range for ", world_size(), " ranks");
  if (!active()) return;
#if MINIDL_HAVE_MPI
  check_mpi("broadcast", MPI_Bcast(t.raw(), check_count("broadcast", std::int64_t(t.nbytes())),
                                   MPI_BYTE, root, MPI_COMM_WORLD));
#endif
}

void allreduce_sum_raw(float* data, std::int64_t n) { reduce("allreduce_sum_raw", data, n, 0); }
void allreduce_sum_raw(double* data, std::int64_t n) { reduce("allreduce_sum_raw", data, n, 0); }
void allgather_raw(const float* data, std::int64_t n, float* out) {
  gather("allgather_raw", data, n, out);
}
void allgather_raw(const double* data, std::int64_t n, double* out) {
  gather("allgather_raw", data, n, out);
}

void abort_job(const std::string& message, int code) {
#if MINIDL_HAVE_MPI
  if (mpi_up()) {
    std::fprintf(stderr, "rank %d/%d: %s\n", rank(), world_size(), message.c_str());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, code == 0 ? 1 : code);
  }
#endif
  throw Error(message);
}

Session::Session(int& argc, char**& argv, bool enabled) {
  if (!enabled) return;
  init(&argc, &argv);
  if (rank() != 0)
    MINIDL_CHECK(std::freopen("/dev/null", "w", stdout) != nullptr,
                 "dist::Session: cannot silence stdout on rank ", rank());
}

Session::~Session() { finalize(); }

void fail_job_if_distributed(const std::string& message) {
  if (active()) abort_job(message);
}

int run_main(int& argc, char**& argv, const std::function<int()>& body) {
  try {
    init(&argc, &argv);
    const int status = body();
    finalize();
    return status;
  } catch (const std::exception& e) {
    if (initialized() && active()) abort_job(e.what());
    std::fprintf(stderr, "%s\n", e.what());
    finalize();
    return 1;
  }
}

}  // namespace minidl::dist
