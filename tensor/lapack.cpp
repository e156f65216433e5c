// The one file that declares and calls LAPACK (see tensor/lapack.h). OpenBLAS's LAPACK is the
// reference Fortran code built with gfortran and LP64 integers: arguments by pointer, 32-bit
// INTEGER, and a hidden length argument per CHARACTER argument appended at the end.
#include "tensor/lapack.h"

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

}  // namespace minidl::linalg
