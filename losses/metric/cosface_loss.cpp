// cosface_loss: the large margin cosine loss (LMCL) of Wang et al., "CosFace: Large Margin
// Cosine Loss for Deep Face Recognition", CVPR 2018, eq. 4.
//
//   cos theta_ij = <x_i / |x_i|, w_j / |w_j|>      (embeddings and weight rows L2-normalised here)
//   z_ij = s (cos theta_ij - m [j = y_i])
//   l_i  = -log softmax(z_i)_{y_i} = logsumexp_j z_ij - z_{i, y_i}
//   mean: (1/N) sum_i l_i    sum: sum_i l_i    none: [N]
//
// Defaults s = 64, m = 0.35: the paper's values (section 4.1), also pytorch-metric-learning's
// CosFaceLoss. The margin sits on the cosine, not the angle, so the decision boundary
// cos theta_1 - m = cos theta_2 has the same width m for every angle.
//
// Gradient (with p = softmax(z_i)):  dl_i/dcos theta_ij = s (p_ij - [j = y_i]), then through the
// normalisation x -> x / |x| (its Jacobian (I - u u^T) / |x|) to both embeddings and weight; no
// kinks. Stability: logsumexp subtracts the row max, so s = 64 with cosines near +-1 (logits
// near +-64) stays finite; the normalisation clamps |x| at 1e-12 as F.normalize does (a zero row
// gives cos = 0 and zero gradient through its direction).
#include "autograd/functional.h"
#include "losses/metric/angular_util.h"
#include "losses/metric_angular.h"

namespace minidl::losses {

Variable cosface_loss(const Variable& embeddings, const Variable& labels, const Variable& weight,
                      const CosfaceLossOptions& o) {
  constexpr const char* kOp = "cosface_loss";
  angular::check_inputs(kOp, embeddings, labels, weight, o.reduction);
  MINIDL_CHECK(o.scale > 0, kOp, ": scale must be > 0, got ", o.scale);
  const Variable cos = angular::cosine_logits(embeddings, weight);
  const Tensor mask = angular::target_mask(labels.value(), weight.size(0), cos.dtype());
  const Variable logits = mul(sub(cos, mul(Variable(mask), o.margin)), o.scale);
  return angular::softmax_cross_entropy(logits, labels, o.reduction, kOp);
}

}  // namespace minidl::losses
