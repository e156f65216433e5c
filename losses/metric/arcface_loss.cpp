// arcface_loss: the additive angular margin loss of Deng, Guo, Xue and Zafeiriou, "ArcFace:
// Additive Angular Margin Loss for Deep Face Recognition", CVPR 2019, eq. 3, with the boundary
// handling of insightface's original training code and its PyTorch ports (ArcMarginProduct:
// th = cos(pi - m), mm = sin(pi - m) m, easy_margin).
//
//   c_ij = cos theta_ij = <x_i / |x_i|, w_j / |w_j|>   (embeddings and weight rows normalised)
//   target logit  s phi(c_{i,y_i}),  other logits  s c_ij,   l_i = CE (logsumexp - target)
//   phi(c) = cos(theta + m) = c cos m - sin theta sin m,   sin theta = sqrt(max(1 - c^2, 1e-12))
//   fallback (insightface's default): theta + m > pi, i.e. c <= cos(pi - m), would make
//     cos(theta + m) increase again with theta (the loss would reward a worse angle), so there
//     phi(c) = c - m sin m   (th = cos(pi - m), mm = sin(pi - m) m = m sin m in their code)
//   easy_margin: phi(c) = cos(theta + m) where c > 0, else c (no margin past 90 degrees)
//   mean over the N samples, sum, or none [N]
//
// Defaults s = 64, m = 0.5 rad (the paper's; pytorch-metric-learning's ArcFaceLoss takes
// degrees, margin=28.6).
//
// No acos: theta is never formed. cos(theta + m) is expanded with sin theta = sqrt(1 - c^2), so
// the only singular point is sqrt at 0 (c = +-1, an embedding exactly on or opposite its class
// row, or a rounding residue past 1). The floor 1e-12 under the root keeps it finite: sin theta
// >= 1e-6, |d sin theta / dc| = |c| / sin theta <= 1e6, and past the floor the clamp passes no
// gradient (at c = +-1 exactly, d phi / dc = cos m). c = -1 is in the fallback branch anyway
// unless easy_margin. The branch choice (c > cos(pi - m), c > 0) is made on the value; at the
// switching point the branch taken is the fallback (strict >, as insightface's torch.where).
//
// Gradient: dl_i/dz_ij = p_ij - [j = y_i] (p = softmax), dz_{i,y}/dc = s phi'(c) with
// phi'(c) = cos m + sin m c / sin theta (main), 1 (fallback or easy branch), then through the
// normalisation to embeddings and weight. logsumexp keeps s = 64 finite.
#include <cmath>

#include "autograd/functional.h"
#include "losses/metric/angular_util.h"
#include "losses/metric_angular.h"
#include "tensor/ops.h"

namespace minidl::losses {

Variable arcface_loss(const Variable& embeddings, const Variable& labels, const Variable& weight,
                      const ArcfaceLossOptions& o) {
  constexpr const char* kOp = "arcface_loss";
  angular::check_inputs(kOp, embeddings, labels, weight, o.reduction);
  MINIDL_CHECK(o.scale > 0, kOp, ": scale must be > 0, got ", o.scale);
  MINIDL_CHECK(o.margin >= 0 && o.margin < M_PI, kOp, ": margin must be in [0, pi) radians, got ",
               o.margin);
  const Variable cos = angular::cosine_logits(embeddings, weight);
  const Variable sin = sqrt(clamp(sub(1.0, square(cos)), 1e-12, std::nullopt));
  const Variable cos_plus_m = sub(mul(cos, std::cos(o.margin)), mul(sin, std::sin(o.margin)));
  const Variable phi = o.easy_margin ? where(gt(cos.value(), 0.0), cos_plus_m, cos)
                                     : where(gt(cos.value(), std::cos(M_PI - o.margin)), cos_plus_m,
                                             sub(cos, o.margin * std::sin(o.margin)));
  const Tensor mask = angular::target_mask(labels.value(), weight.size(0), cos.dtype());
  const Variable logits = mul(where(mask, phi, cos), o.scale);
  return angular::softmax_cross_entropy(logits, labels, o.reduction, kOp);
}

}  // namespace minidl::losses
