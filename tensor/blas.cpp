// The one file that includes cblas.h.
#include "tensor/blas.h"

#include <cblas.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace minidl::blas {

std::string suggested_coretype() {
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return "";
  if (std::strcmp(openblas_get_corename(), "Prescott") != 0) return "";
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
  return "";
}

std::string kernel_advice() {
  const std::string core = suggested_coretype();
  if (core.empty()) return "";
  // openblas_get_config() starts "OpenBLAS 0.3.21 ...": name and version.
  const std::string config = openblas_get_config();
  const std::string who = config.substr(0, config.find(' ', config.find(' ') + 1));
  return who +
         " does not know this CPU and runs its generic SSE3 kernels (Prescott), several times "
         "slower than the " +
         (core == "SkylakeX" ? std::string("AVX-512") : std::string("AVX2")) +
         " kernels this CPU can run; set OPENBLAS_CORETYPE=" + core +
         " in the environment before starting the program";
}

namespace {
// The advice on stderr at the first GEMM of the process (thread-safe, once).
void warn_once() {
  static const bool warned = [] {
    const std::string advice = kernel_advice();
    if (!advice.empty()) std::fprintf(stderr, "minidl: warning: %s\n", advice.c_str());
    return true;
  }();
  (void)warned;
}
}  // namespace

void pin_single_thread() {
  if (openblas_get_num_threads() != 1) openblas_set_num_threads(1);
}

std::string backend() {
  return std::string(openblas_get_config()) + ", core " + openblas_get_corename();
}

void sgemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
           const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
           std::int64_t ldc) {
  warn_once();
  pin_single_thread();
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, static_cast<blasint>(m), static_cast<blasint>(n),
              static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda), b,
              static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
}

void dgemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, double alpha,
           const double* a, std::int64_t lda, const double* b, std::int64_t ldb, double beta,
           double* c, std::int64_t ldc) {
  warn_once();
  pin_single_thread();
  cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, static_cast<blasint>(m), static_cast<blasint>(n),
              static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda), b,
              static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
}

}  // namespace minidl::blas
