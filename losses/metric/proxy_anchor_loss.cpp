// proxy_anchor_loss: Kim, Kim, Cho and Kwak 2020, "Proxy Anchor Loss for Deep Metric Learning"
// (CVPR), eq. 4, with pytorch-metric-learning's ProxyAnchorLoss as the second reference.
//
//   s(x, p) = cos(x, p)                   cosine similarity of a sample and a proxy   [N, C]
//   P = all C proxies,  P+ = proxies of the classes present in the batch
//   X_p+ = the batch's samples of p's class,  X_p- = the others
//   pos_p = log(1 + sum_{x in X_p+} exp(-alpha (s(x, p) - delta)))
//   neg_p = log(1 + sum_{x in X_p-} exp( alpha (s(x, p) + delta)))
//   mean (default, the paper's):  L = (1/|P+|) sum_p pos_p + (1/|P|) sum_p neg_p
//   sum:  sum_p (pos_p + neg_p)      none: [C], pos_p + neg_p per proxy (undivided)
// alpha = 32 and delta = 0.1 are the paper's values (and PML's defaults, there named alpha and
// margin). A proxy whose class is absent has pos_p = log 1 = 0 exactly, so the positive sum may
// run over all proxies; a proxy with no negatives in the batch has neg_p = 0 exactly.
//
// Each proxy is an anchor that pulls all its samples and pushes all others at once, weighted by
// their hardness (the gradient of log(1 + sum e^z) in each z is a softmax with an extra "1"):
//   d pos_p / d s(x, p) = -alpha e^{z_x} / (1 + sum_x' e^{z_x'}),  z_x = -alpha (s(x, p) - delta)
//   d neg_p / d s(x, p) =  alpha e^{z_x} / (1 + sum_x' e^{z_x'}),  z_x =  alpha (s(x, p) + delta)
// then through the cosine (l2_normalize of both sides, distance_util.h).
// Stability: log(1 + sum e^z) is a log-sum-exp over the z's and one extra 0 (the "1"); entries
// outside X_p+ (or X_p-) are filled with -inf before it, so they contribute exactly 0 to the value
// and the gradient; with alpha = 32, e^z reaches e^35 and never overflows this way.
//
// Shapes: embeddings [N, D] floating; labels int64 [N] in [0, C); proxies [C, D], same dtype.
#include <limits>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/metric/distance_util.h"
#include "losses/metric_proxy.h"
#include "tensor/ops.h"

namespace minidl::losses {
namespace {

// log(1 + sum over axis 0 of e^z where keep != 0), per column: [N, C] -> [C].
Variable log1p_sum_exp(const Variable& z, const Tensor& drop) {
  const Variable masked = masked_fill(z, drop, -std::numeric_limits<double>::infinity());
  const Variable one = constant_like(narrow(z, 0, 0, 1), 0.0);  // the "1" = e^0, [1, C]
  return logsumexp(concat({masked, one}, 0), {0});
}

}  // namespace

Variable proxy_anchor_loss(const Variable& embeddings, const Variable& labels,
                           const Variable& proxies, const ProxyAnchorLossOptions& o) {
  constexpr const char* kOp = "proxy_anchor_loss";
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
  MINIDL_CHECK(o.alpha > 0, kOp, ": alpha must be > 0, got ", o.alpha);
  MINIDL_CHECK(o.reduction != Reduction::BatchMean, kOp,
               ": reduction must be 'none', 'mean' or 'sum'");
  const std::int64_t c = proxies.size(0);
  const Tensor positive = one_hot(labels.value(), c);  // int64 [N, C]
  const Tensor negative = eq(positive, 0.0);
  const Variable s = cosine_similarity_matrix(embeddings, proxies);
  const Variable pos = log1p_sum_exp(mul_scalar(add_scalar(s, -o.delta), -o.alpha), negative);
  const Variable neg = log1p_sum_exp(mul_scalar(add_scalar(s, o.delta), o.alpha), positive);
  if (o.reduction == Reduction::None) return pos + neg;
  if (o.reduction == Reduction::Sum) return sum(pos + neg);
  const Tensor present = gt(sum(positive, {0}), 0.0);
  double with_positives = 0;
  for (double v : present.to_vector()) with_positives += v;
  return sum(pos) / with_positives + sum(neg) / static_cast<double>(c);
}

}  // namespace minidl::losses
