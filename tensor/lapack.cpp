// The one file that declares and calls LAPACK (see tensor/lapack.h). OpenBLAS's LAPACK is the
// reference Fortran code built with gfortran and LP64 integers: arguments by pointer, 32-bit
// INTEGER, and a hidden length argument per CHARACTER argument appended at the end.
#include "tensor/lapack.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "tensor/blas.h"
#include "tensor/error.h"

extern "C" {
// DSYEVD: eigenvalues (and eigenvectors when jobz = 'V') of a real symmetric matrix, by divide
// and conquer. a (lda x n, column-major) is overwritten by the eigenvectors; w gets the
// eigenvalues in ascending order. lwork = liwork = -1 is a workspace-size query.
void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w,
             double* work, const int* lwork, int* iwork, const int* liwork, int* info,
             std::size_t jobz_len, std::size_t uplo_len);
// DGEQRF: A = Q R by Householder reflections; R lands in the upper triangle of a, the
// reflectors below it with their scalar factors in tau. DORGQR: the first k columns of Q from
// those reflectors, written over a. lwork = -1 queries the workspace size.
void dgeqrf_(const int* m, const int* n, double* a, const int* lda, double* tau, double* work,
             const int* lwork, int* info);
void dorgqr_(const int* m, const int* n, const int* k, double* a, const int* lda, const double* tau,
             double* work, const int* lwork, int* info);
}

namespace minidl::linalg {
namespace {
constexpr std::int64_t kMaxOrder = 32000;
}  // namespace

EighResult eigh(const Tensor& a, bool compute_eigenvectors) {
  MINIDL_CHECK(a.defined() && a.dim() == 2 && a.size(0) == a.size(1),
               "eigh: needs a square matrix [n, n], got ",
               a.defined() ? shape_str(a.shape()) : std::string("undefined"));
  MINIDL_CHECK(is_floating(a.dtype()), "eigh: needs float32 or float64, got ",
               dtype_name(a.dtype()));
  const std::int64_t n64 = a.size(0);
  // dsyevd's workspace is 1 + 6 n + 2 n^2 doubles, counted in a 32-bit INTEGER.
  MINIDL_CHECK(n64 <= kMaxOrder, "eigh: matrix ", n64, "x", n64,
               " is too large for LAPACK's 32-bit workspace sizes (at most ", kMaxOrder, ")");
  const int n = static_cast<int>(n64);
  if (n == 0)
    return {Tensor({0}, kFloat64), compute_eigenvectors ? Tensor({0, 0}, kFloat64) : Tensor()};
  // Row-major lower triangle = column-major upper triangle: pass uplo 'U' to read PyTorch's 'L'.
  Tensor work_a = a.to(kFloat64).clone();
  double* pa = work_a.data<double>();
  for (std::int64_t i = 0; i < n64 * n64; ++i)
    MINIDL_CHECK(std::isfinite(pa[i]), "eigh: the matrix has a non-finite entry ", pa[i], " at [",
                 i / n64, ", ", i % n64, "]");
  Tensor w({n64}, kFloat64);
  const char jobz = compute_eigenvectors ? 'V' : 'N', uplo = 'U';
  int info = 0, lwork = -1, liwork = -1, iwork_size = 0;
  double work_size = 0;
  // LAPACK calls BLAS inside: keep OpenBLAS on one thread, as every minidl call does.
  blas::pin_single_thread();
  dsyevd_(&jobz, &uplo, &n, pa, &n, w.data<double>(), &work_size, &lwork, &iwork_size, &liwork,
          &info, 1, 1);
  MINIDL_CHECK(info == 0, "eigh: LAPACK dsyevd workspace query failed (info ", info, ")");
  lwork = static_cast<int>(work_size);
  liwork = iwork_size;
  std::vector<double> work(static_cast<std::size_t>(std::max(lwork, 1)));
  std::vector<int> iwork(static_cast<std::size_t>(std::max(liwork, 1)));
  dsyevd_(&jobz, &uplo, &n, pa, &n, w.data<double>(), work.data(), &lwork, iwork.data(), &liwork,
          &info, 1, 1);
  MINIDL_CHECK(info == 0, "eigh: LAPACK dsyevd did not converge (info ", info, ") on a ", n, "x", n,
               " matrix");
  if (!compute_eigenvectors) return {w, Tensor()};
  // Column-major eigenvectors read row-major are their transpose: row j holds vector j.
  Tensor q({n64, n64}, kFloat64);
  double* pq = q.data<double>();
  for (std::int64_t i = 0; i < n64; ++i)
    for (std::int64_t j = 0; j < n64; ++j) pq[i * n64 + j] = pa[j * n64 + i];
  return {w, q};
}

QrResult qr(const Tensor& a) {
  MINIDL_CHECK(a.defined() && a.dim() == 2, "qr: needs a matrix [m, n], got ",
               a.defined() ? shape_str(a.shape()) : std::string("undefined"));
  MINIDL_CHECK(is_floating(a.dtype()), "qr: needs float32 or float64, got ", dtype_name(a.dtype()));
  const std::int64_t m64 = a.size(0), n64 = a.size(1), k64 = std::min(m64, n64);
  MINIDL_CHECK(m64 <= kMaxOrder && n64 <= kMaxOrder, "qr: matrix ", m64, "x", n64,
               " is too large for LAPACK's 32-bit sizes (at most ", kMaxOrder, " per side)");
  if (k64 == 0) return {Tensor({m64, 0}, kFloat64), Tensor({0, n64}, kFloat64)};
  const int m = static_cast<int>(m64), n = static_cast<int>(n64), k = static_cast<int>(k64);
  // LAPACK is column-major: lay A out column by column (lda = m).
  const Tensor src = a.to(kFloat64);
  const double* ps = src.data<double>();
  std::vector<double> col(static_cast<std::size_t>(m64 * n64));
  for (std::int64_t i = 0; i < m64; ++i)
    for (std::int64_t j = 0; j < n64; ++j) {
      MINIDL_CHECK(std::isfinite(ps[i * n64 + j]), "qr: the matrix has a non-finite entry ",
                   ps[i * n64 + j], " at [", i, ", ", j, "]");
      col[static_cast<std::size_t>(j * m64 + i)] = ps[i * n64 + j];
    }
  std::vector<double> tau(static_cast<std::size_t>(k64));
  int info = 0, lwork = -1;
  double work_size = 0;
  blas::pin_single_thread();
  dgeqrf_(&m, &n, col.data(), &m, tau.data(), &work_size, &lwork, &info);
  MINIDL_CHECK(info == 0, "qr: LAPACK dgeqrf workspace query failed (info ", info, ")");
  lwork = std::max(1, static_cast<int>(work_size));
  std::vector<double> work(static_cast<std::size_t>(lwork));
  dgeqrf_(&m, &n, col.data(), &m, tau.data(), work.data(), &lwork, &info);
  MINIDL_CHECK(info == 0, "qr: LAPACK dgeqrf failed (info ", info, ")");
  Tensor r = zeros({k64, n64}, kFloat64);
  double* pr = r.data<double>();
  for (std::int64_t i = 0; i < k64; ++i)
    for (std::int64_t j = i; j < n64; ++j)
      pr[i * n64 + j] = col[static_cast<std::size_t>(j * m64 + i)];
  lwork = -1;
  dorgqr_(&m, &k, &k, col.data(), &m, tau.data(), &work_size, &lwork, &info);
  MINIDL_CHECK(info == 0, "qr: LAPACK dorgqr workspace query failed (info ", info, ")");
  lwork = std::max(1, static_cast<int>(work_size));
  work.assign(static_cast<std::size_t>(lwork), 0.0);
  dorgqr_(&m, &k, &k, col.data(), &m, tau.data(), work.data(), &lwork, &info);
  MINIDL_CHECK(info == 0, "qr: LAPACK dorgqr failed (info ", info, ")");
  Tensor q({m64, k64}, kFloat64);
  double* pq = q.data<double>();
  for (std::int64_t i = 0; i < m64; ++i)
    for (std::int64_t j = 0; j < k64; ++j)
      pq[i * k64 + j] = col[static_cast<std::size_t>(j * m64 + i)];
  return {q, r};
}

}  // namespace minidl::linalg
