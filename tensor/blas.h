// The only door to OpenBLAS (tensor/blas.cpp is the one file that includes cblas.h).
//
// Row-major GEMM: C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C, op = transpose when trans_*.
// lda/ldb/ldc are the row strides of A, B and C as stored.
#pragma once

#include <cstdint>
#include <string>

namespace minidl::blas {

void sgemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
           const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
           std::int64_t ldc);
void dgemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, double alpha,
           const double* a, std::int64_t lda, const double* b, std::int64_t ldb, double beta,
           double* c, std::int64_t ldc);

// Every call runs single-threaded on the calling thread: minidl keeps OpenBLAS's own pool at one
// thread (re-pinned on each call, so code that changed it, such as a benchmark's direct cblas
// reference, cannot leave minidl oversubscribed) and spreads large products over the cores itself
// (tensor/matmul.cpp). So oneTBB is the only pool that is ever busy, as DESIGN.md requires.
void pin_single_thread();

// minidl's own AVX-512 float32 GEMM (tensor/sgemm_avx512.h) takes the small and medium products
// it is faster on (an MLP's layers) on CPUs with AVX-512F, and the Winograd F(4x4, 3x3)
// transforms run 16 float32 lanes wide there (tensor/conv_winograd4.cpp); set_own_sgemm(false)
// turns both off: every product to OpenBLAS, the transforms 8 lanes wide (for an A/B comparison,
// or the bits of a build before it), and so does MINIDL_OWN_SGEMM=0 in the environment of any
// program. Process-wide; own_sgemm_enabled() is false on a CPU without AVX-512F.
void set_own_sgemm(bool on);
bool own_sgemm_enabled();
// What float32 products run on, one line for `minidl info`.
std::string gemm_kernels();

// The BLAS in use, e.g. "OpenBLAS 0.3.21 ... core Haswell": OpenBLAS's build configuration and the
// kernel family it chose for this CPU (OPENBLAS_CORETYPE overrides the choice). Results of float
// GEMMs may differ in the last bits from one kernel family to another.
std::string backend();

// The OPENBLAS_CORETYPE worth setting on this machine, or "" when OpenBLAS's own choice stands.
// OpenBLAS picks its kernels from a table of CPU models; a CPU newer than the table (Debian 12's
// 0.3.21 on an Intel Xeon of model 207, Emerald Rapids) gets the generic SSE3 kernels, "Prescott",
// measured 7x slower at the MLP's GEMMs (bench_gan: 19.5 against 147 GFLOP/s with SkylakeX) on a
// CPU that runs AVX-512. Suggested only then: OpenBLAS on Prescott while the CPU has AVX2 and FMA
// (-> Haswell) or AVX-512 F/CD/BW/DQ/VL (-> SkylakeX), and OPENBLAS_CORETYPE unset. A family the
// table did choose (Zen on a Zen 4, say) is left alone.
std::string suggested_coretype();
// The same advice as a sentence for people ("" when there is none); the first GEMM of a process
// prints it once on stderr, since OpenBLAS reads OPENBLAS_CORETYPE only when it is loaded.
std::string kernel_advice();

}  // namespace minidl::blas
