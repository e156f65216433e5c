// The only door to OpenBLAS (tensor/blas.cpp is the one file that includes cblas.h).
//
// Row-major GEMM: C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C, op = transpose when trans_*.
// lda/ldb/ldc are the row strides of A, B and C as stored.
#pragma once

#include <cstdint>

namespace minidl::blas {

void sgemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
           const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
           std::int64_t ldc);
void dgemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, double alpha,
           const double* a, std::int64_t lda, const double* b, std::int64_t ldb, double beta,
           double* c, std::int64_t ldc);

// OpenBLAS's own thread pool; set through minidl::set_num_threads.
void set_num_threads(int n);
int get_num_threads();

}  // namespace minidl::blas
