// Class-weight helpers (not losses): per-class weights [C] computed from the training-set class
// counts n_c, to pass as cross_entropy's `weight` or softmax_focal_loss's `alpha`.
//
//   inverse frequency      w_c = n / (C n_c)                       (sklearn's "balanced")
//   inverse sqrt frequency w_c = n / (sqrt(n_c) sum_k sqrt(n_k))
//   effective number       w_c = C e_c / sum_k e_k,  e_c = (1 - beta) / (1 - beta^n_c)
//
// with n = sum_c n_c. The first two keep sum_c n_c w_c = n: the mean weight over the training
// samples is 1, so a weighted loss keeps the scale of the unweighted one (and the learning rate
// that suits it). The effective-number weights follow Cui et al. (CVPR 2019) and their official
// code, which normalises the weights to sum to C instead (the mean weight over *classes* is 1).
// 1 - beta^n_c is computed as -expm1(n_c log beta), accurate for beta close to 1.
#include <cmath>

#include "losses/imbalance.h"
#include "tensor/error.h"

namespace minidl::losses {
namespace {

// The counts as doubles, each checked finite and > 0.
std::vector<double> checked_counts(const Tensor& counts, const char* op) {
  MINIDL_CHECK(counts.defined() && counts.dim() == 1 && counts.numel() > 0, op,
               ": counts must be a non-empty 1-d tensor [C], got ",
               counts.defined() ? shape_str(counts.shape()) : std::string("undefined"));
  std::vector<double> n = counts.to_vector();
  for (std::size_t c = 0; c < n.size(); ++c)
    MINIDL_CHECK(n[c] > 0 && std::isfinite(n[c]), op, ": class ", c, " has count ", n[c],
                 "; every class needs at least one sample for a finite weight");
  return n;
}

Tensor to_tensor(const std::vector<double>& w, DType dtype) { return from_vector(w).to(dtype); }

}  // namespace

Tensor class_counts(const Tensor& labels, std::int64_t num_classes) {
  constexpr const char* kOp = "class_counts";
  MINIDL_CHECK(num_classes > 0, kOp, ": num_classes must be > 0, got ", num_classes);
  MINIDL_CHECK(labels.defined() && labels.dtype() == kInt64, kOp, ": labels must be int64");
  Tensor counts = zeros({num_classes}, kInt64);
  std::int64_t* out = counts.data<std::int64_t>();
  const std::int64_t* y = labels.data<std::int64_t>();
  for (std::int64_t i = 0; i < labels.numel(); ++i) {
    MINIDL_CHECK(y[i] >= 0 && y[i] < num_classes, kOp, ": label ", y[i], " at position ", i,
                 " is out of range [0, ", num_classes, ")");
    ++out[y[i]];
  }
  return counts;
}

Tensor inverse_frequency_weights(const Tensor& counts, DType dtype) {
  const std::vector<double> n = checked_counts(counts, "inverse_frequency_weights");
  double total = 0;
  for (double v : n) total += v;
  std::vector<double> w(n.size());
  for (std::size_t c = 0; c < n.size(); ++c) w[c] = total / (static_cast<double>(n.size()) * n[c]);
  return to_tensor(w, dtype);
}

Tensor inverse_sqrt_frequency_weights(const Tensor& counts, DType dtype) {
  const std::vector<double> n = checked_counts(counts, "inverse_sqrt_frequency_weights");
  double total = 0, root_sum = 0;
  for (double v : n) {
    total += v;
    root_sum += std::sqrt(v);
  }
  std::vector<double> w(n.size());
  for (std::size_t c = 0; c < n.size(); ++c) w[c] = total / (std::sqrt(n[c]) * root_sum);
  return to_tensor(w, dtype);
}

std::vector<double> effective_number_weights(const std::vector<double>& counts, double beta) {
  constexpr const char* kOp = "effective_number_weights";
  MINIDL_CHECK(beta >= 0 && beta < 1, kOp, ": beta must be in [0, 1), got ", beta);
  const std::vector<double> n = checked_counts(from_vector(counts), kOp);
  std::vector<double> w(n.size());
  double total = 0;
  for (std::size_t c = 0; c < n.size(); ++c) {
    // (1 - beta) / (1 - beta^n); beta = 0 gives 1 (0^n = 0 for n > 0).
    const double one_minus_pow = beta == 0 ? 1.0 : -std::expm1(n[c] * std::log(beta));
    w[c] = (1 - beta) / one_minus_pow;
    total += w[c];
  }
  for (double& v : w) v *= static_cast<double>(n.size()) / total;
  return w;
}

Tensor effective_number_weights(const Tensor& counts, double beta, DType dtype) {
  return to_tensor(
      effective_number_weights(checked_counts(counts, "effective_number_weights"), beta), dtype);
}

}  // namespace minidl::losses
