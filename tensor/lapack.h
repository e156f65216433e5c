// The only door to LAPACK (tensor/lapack.cpp is the one file that declares or calls a LAPACK
// routine). Debian's libopenblas carries LAPACK (dsyevd_ and friends are exported by
// libopenblas.so) but is built without LAPACKE and installs no LAPACK header, so lapack.cpp
// declares the one Fortran symbol it needs itself.
//
// eigh: the eigendecomposition of a real symmetric matrix, A = Q diag(lambda) Q^T, as
// torch.linalg.eigh (UPLO = "L": only the lower triangle of A is read). LAPACK's dsyevd
// (divide and conquer), in float64:
//   eigenvalues  [n]     ascending
//   eigenvectors [n, n]  orthonormal columns, column j for eigenvalues[j] (each column's sign is
//                        whatever LAPACK returns: compare subspaces or products, never columns)
//
// qr: the reduced QR decomposition A = Q R of an [m, n] matrix, as torch.linalg.qr(mode =
// "reduced"), k = min(m, n). LAPACK's dgeqrf (Householder reflections, R in the upper triangle)
// then dorgqr (Q formed from the reflectors), in float64; PyTorch calls the same two routines,
// so the signs agree with it (diag(R) may be negative: LAPACK does not normalise it):
//   Q [m, k]  orthonormal columns        R [k, n]  upper triangular
#pragma once

#include "tensor/tensor.h"

namespace minidl::linalg {

struct EighResult {
  Tensor eigenvalues;   // float64 [n]
  Tensor eigenvectors;  // float64 [n, n]; undefined when not asked for
};

// a: float32 or float64 [n, n], finite (computed in float64). Throws naming "eigh" on a shape,
// dtype or non-finite entry, or when LAPACK reports no convergence.
EighResult eigh(const Tensor& a, bool compute_eigenvectors = true);

struct QrResult {
  Tensor q;  // float64 [m, k]
  Tensor r;  // float64 [k, n]
};

// a: float32 or float64 [m, n], finite (computed in float64). Throws naming "qr" on a shape,
// dtype or non-finite entry.
QrResult qr(const Tensor& a);

}  // namespace minidl::linalg
