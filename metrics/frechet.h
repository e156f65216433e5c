// The Fréchet distance between two Gaussians (layer 3, namespace minidl::metrics), the measure
// behind FID (Heusel et al. 2017): features of real and generated samples are each summarised by
// their mean and covariance, and the distance between N(mu1, S1) and N(mu2, S2) is
//   d^2 = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1^1/2 S2 S1^1/2)^1/2)
// Shapes: N samples, D features.
//
// Why this form of the trace term: FID's usual code takes tr(sqrtm(S1 S2)) with scipy's Schur-based
// sqrtm of the non-symmetric S1 S2, which can come back with spurious imaginary parts and needs a
// general (non-symmetric) eigensolver. S1 S2 is similar to M = S1^1/2 S2 S1^1/2 (they share their
// eigenvalues), and M is symmetric positive semi-definite, so
//   tr((S1 S2)^1/2) = sum_i sqrt(lambda_i(M))
// needs only two symmetric eigendecompositions (LAPACK dsyevd, tensor/lapack.h): S1 = Q L Q^T gives
// S1^1/2 = Q L^1/2 Q^T, then the eigenvalues of M. Eigenvalues that round-off pushes below 0 (a
// singular covariance, fewer samples than features) are taken as 0. Everything is float64.
#pragma once

#include "tensor/tensor.h"

namespace minidl::metrics {

struct FeatureStatistics {
  Tensor mu;     // float64 [D]
  Tensor sigma;  // float64 [D, D]
};

// mu = mean of the rows; sigma = the unbiased covariance sum_i (x_i - mu)(x_i - mu)^T / (N - 1)
// (numpy.cov(rowvar=False), as pytorch-fid). features: float [N, D], N >= 2.
FeatureStatistics feature_statistics(const Tensor& features);

// mu [D], sigma [D, D] symmetric positive semi-definite (float32 or float64). Returns d^2 >= 0
// (the squared distance, as FID reports it).
double frechet_distance(const Tensor& mu1, const Tensor& sigma1, const Tensor& mu2,
                        const Tensor& sigma2);
double frechet_distance(const FeatureStatistics& a, const FeatureStatistics& b);

}  // namespace minidl::metrics
