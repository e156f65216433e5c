#include "metrics/frechet.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "tensor/lapack.h"
#include "tensor/ops.h"

namespace minidl::metrics {
namespace {

// S^1/2 = Q diag(sqrt(max(lambda, 0))) Q^T for a symmetric positive semi-definite S.
Tensor sqrt_psd(const Tensor& s) {
  linalg::EighResult e = linalg::eigh(s);
  Tensor root = sqrt(clamp(e.eigenvalues, 0.0, std::nullopt));
  // Q diag(r) Q^T = (Q * r) Q^T: r broadcasts over the rows, scaling column j by r_j.
  return matmul(mul(e.eigenvectors, root.reshape({1, root.numel()})), e.eigenvectors, false, true);
}

double trace_of(const Tensor& s) {  // float64 [D, D]
  const double* p = s.data<double>();
  double t = 0;
  for (std::int64_t i = 0; i < s.size(0); ++i) t += p[i * s.size(0) + i];
  return t;
}

void check_stats(const Tensor& mu, const Tensor& sigma, std::int64_t d, const char* which) {
  MINIDL_CHECK(mu.defined() && sigma.defined(), "frechet_distance: ", which, " is undefined");
  MINIDL_CHECK(is_floating(mu.dtype()) && is_floating(sigma.dtype()), "frechet_distance: ", which,
               " must be float32 or float64, got ", dtype_name(mu.dtype()), " and ",
               dtype_name(sigma.dtype()));
  MINIDL_CHECK(mu.shape() == Shape{d} && sigma.shape() == Shape({d, d}),
               "frechet_distance: ", which, " must be mu [D] and sigma [D, D] with D = ", d,
               ", got mu ", shape_str(mu.shape()), " and sigma ", shape_str(sigma.shape()));
}

}  // namespace

FeatureStatistics feature_statistics(const Tensor& features) {
  MINIDL_CHECK(features.defined() && features.dim() == 2,
               "feature_statistics: features must be [N, D], got ",
               features.defined() ? shape_str(features.shape()) : std::string("undefined"));
  MINIDL_CHECK(is_floating(features.dtype()),
               "feature_statistics: features must be float32 or float64, got ",
               dtype_name(features.dtype()));
  const std::int64_t n = features.size(0);
  MINIDL_CHECK(n >= 2, "feature_statistics: needs at least 2 samples for a covariance, got ", n);
  Tensor x = features.to(kFloat64);
  Tensor mu = mean(x, {0});
  Tensor centred = sub(x, mu.reshape({1, mu.numel()}));
  Tensor sigma = div(matmul(centred, centred, true, false), static_cast<double>(n - 1));
  return {mu, sigma};
}

double frechet_distance(const Tensor& mu1, const Tensor& sigma1, const Tensor& mu2,
                        const Tensor& sigma2) {
  MINIDL_CHECK(mu1.defined() && mu1.dim() == 1, "frechet_distance: mu1 must be [D], got ",
               mu1.defined() ? shape_str(mu1.shape()) : std::string("undefined"));
  const std::int64_t d = mu1.size(0);
  MINIDL_CHECK(d >= 1, "frechet_distance: needs at least one feature, got D = 0");
  check_stats(mu1, sigma1, d, "the first mu, sigma");
  check_stats(mu2, sigma2, d, "the second mu, sigma");
  const Tensor m1 = mu1.to(kFloat64), m2 = mu2.to(kFloat64);
  const Tensor s1 = sigma1.to(kFloat64), s2 = sigma2.to(kFloat64);
  const double mean_term = sum(square(sub(m1, m2))).item();
  const Tensor r1 = sqrt_psd(s1);
  Tensor m = matmul(matmul(r1, s2), r1);
  m = mul(add(m, transpose(m, 0, 1)), 0.5);  // symmetric up to round-off: make it exactly so
  const Tensor lambda = linalg::eigh(m, false).eigenvalues;
  const double trace_root = sum(sqrt(clamp(lambda, 0.0, std::nullopt))).item();
  const double trace = trace_of(s1) + trace_of(s2);
  // Round-off can leave a tiny negative value for identical statistics.
  return std::max(mean_term + trace - 2.0 * trace_root, 0.0);
}

double frechet_distance(const FeatureStatistics& a, const FeatureStatistics& b) {
  return frechet_distance(a.mu, a.sigma, b.mu, b.sigma);
}

}  // namespace minidl::metrics
