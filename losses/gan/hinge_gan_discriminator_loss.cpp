// hinge_gan_discriminator_loss: the discriminator's hinge loss of SNGAN (Miyato et al. 2018) and
// BigGAN (Brock et al. 2019; BigGAN-PyTorch losses.py loss_hinge_dis).
//
//   L_D = mean relu(1 - d_real) + mean relu(1 + d_fake)
//   dL/d d_real_i = -[d_real_i < 1] / N_real,   dL/d d_fake_j = [d_fake_j > -1] / N_fake
//
// A margin-1 SVM on the critic's outputs: samples already beyond the margin (d_real >= 1,
// d_fake <= -1) no longer pull. At the kink (d = exactly 1 or -1) the subgradient is 0, that of
// relu at 0 (torch.relu's, as BigGAN-PyTorch computes it with F.relu).
//
// Shapes: d_real, d_fake any shape (batch sizes may differ); output a scalar.
#include "autograd/functional.h"
#include "losses/gan.h"
#include "losses/gan/gan_util.h"

namespace minidl::losses {

Variable hinge_gan_discriminator_loss(const Variable& d_real, const Variable& d_fake) {
  constexpr const char* kOp = "hinge_gan_discriminator_loss";
  gan_detail::check_scores(kOp, "d_real", d_real);
  gan_detail::check_scores(kOp, "d_fake", d_fake);
  return mean(relu(1.0 - d_real)) + mean(relu(1.0 + d_fake));
}

}  // namespace minidl::losses
