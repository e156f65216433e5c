// gan_discriminator_minimax_loss: the discriminator's side of Goodfellow et al. 2014, i.e. binary
// cross entropy with label 1 for real samples and 0 for generated ones, on logits.
//
//   L_D = -E_real log sigmoid(d_real) - E_fake log(1 - sigmoid(d_fake))
//       = mean softplus(-d_real) + mean softplus(d_fake)
//   dL/d d_real_i = -sigmoid(-d_real_i) / N_real,   dL/d d_fake_j = sigmoid(d_fake_j) / N_fake
//
// log sigmoid(d) = -softplus(-d) and log(1 - sigmoid(d)) = -softplus(d), with the stable softplus
// max(d, 0) + log1p(exp(-|d|)) of autograd/ops.h: finite for any logit, and the gradient
// never saturates to NaN. Each term is a mean over its own batch (BigGAN-PyTorch's loss_dis),
// so d_real and d_fake may hold different numbers of samples; with equal batches it equals
// 2 x torch's binary_cross_entropy_with_logits on the concatenated batch.
//
// Shapes: d_real, d_fake any shape (usually [N] or [N, 1]); output a scalar.
#include "autograd/functional.h"
#include "losses/gan.h"
#include "losses/gan/gan_util.h"

namespace minidl::losses {

Variable gan_discriminator_minimax_loss(const Variable& d_real, const Variable& d_fake) {
  constexpr const char* kOp = "gan_discriminator_minimax_loss";
  gan_detail::check_scores(kOp, "d_real", d_real);
  gan_detail::check_scores(kOp, "d_fake", d_fake);
  return mean(softplus(neg(d_real))) + mean(softplus(d_fake));
}

}  // namespace minidl::losses
