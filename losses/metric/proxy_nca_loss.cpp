// proxy_nca_loss: Movshovitz-Attias, Toshev, Leung, Ioffe and Singh 2017, "No Fuss Distance Metric
// Learning using Proxies" (ICCV), in the form of pytorch-metric-learning's ProxyNCALoss.
//
//   x_i = x_i / |x_i|,  p_c = p_c / |p_c|          (normalize_embeddings, default on)
//   d_ic = |x_i - p_c|_2^2                           [N, C]
//   l_i = -log( exp(-s d_{i y_i}) / sum_c exp(-s d_ic) ) = -log_softmax(-s d_i)[y_i]
//   mean: (1/N) sum_i l_i   sum: sum_i l_i   none: l [N]
//
// Conventions: the paper's NCA ratio leaves the sample's own proxy out of the denominator
// (sum over z != y); pytorch-metric-learning's ProxyNCALoss (NCALoss.nca_computation) takes a
// softmax over all proxies, the form followed here, which is bounded below by 0 (the paper's
// form is not). softmax_scale s = 1 is PML's default; PML's LpDistance(power 2) normalises both
// embeddings and proxies by default, as here. PML drops terms whose probability underflows to
// exactly 0; the log-softmax form here never underflows and keeps them (finite), so results
// differ from PML only where PML's loss would be ~745 or more per sample.
//
// Gradient: d l_i / d z_ic = softmax(z_i)_c - [c = y_i] for the logits z = -s d, then through the
// GEMM form of d (distance_util.h) and the normalisation. Stability: log_softmax subtracts the
// row maximum (log-sum-exp). With one class the softmax is exactly 1: loss 0, zero gradients.
//
// Shapes: embeddings [N, D] floating; labels int64 [N] in [0, C); proxies [C, D], same dtype.
#include <limits>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/metric/distance_util.h"
#include "losses/metric_proxy.h"

namespace minidl::losses {

Variable proxy_nca_loss(const Variable& embeddings, const Variable& labels, const Variable& proxies,
                        const ProxyNcaLossOptions& o) {
  constexpr const char* kOp = "proxy_nca_loss";
  check_floating(kOp, "embeddings", embeddings);
  check_int64(kOp, "labels", labels);
  check_floating(kOp, "proxies", proxies);
  MINIDL_CHECK(embeddings.dim() == 2, kOp, ": embeddings must be [N, D], got ",
               shape_str(embeddings.shape()));
  check_not_empty(kOp, "embeddings", embeddings);
  MINIDL_CHECK(labels.dim() == 1 && labels.size(0) == embeddings.size(0), kOp, ": labels must be [",
               embeddings.size(0), "], got ", shape_str(labels.shape()));
  MINIDL_CHECK(proxies.dim() == 2 && proxies.size(1) == embeddings.size(1) && proxies.size(0) > 0,
               kOp, ": proxies must be [C, ", embeddings.size(1), "] with C > 0, got ",
               shape_str(proxies.shape()));
  MINIDL_CHECK(proxies.dtype() == embeddings.dtype(), kOp,
               ": proxies and embeddings dtypes differ");
  check_labels(kOp, labels.value(), proxies.size(0), std::numeric_limits<std::int64_t>::min());
  MINIDL_CHECK(o.softmax_scale > 0, kOp, ": softmax_scale must be > 0, got ", o.softmax_scale);
  MINIDL_CHECK(o.reduction != Reduction::BatchMean, kOp,
               ": reduction must be 'none', 'mean' or 'sum'");
  const Variable x = o.normalize_embeddings ? l2_normalize(embeddings) : embeddings;
  const Variable p = o.normalize_embeddings ? l2_normalize(proxies) : proxies;
  const Variable logits = mul_scalar(squared_euclidean_matrix(x, p), -o.softmax_scale);
  const Tensor index = labels.value().reshape({labels.size(0), 1});
  const Variable log_p = take_along_axis(log_softmax(logits, 1), index, 1);
  return reduce(neg(reshape(log_p, {labels.size(0)})), o.reduction, kOp);
}

}  // namespace minidl::losses
