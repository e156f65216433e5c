// hinge_gan_generator_loss: the generator's loss of the hinge GAN (SNGAN, BigGAN; BigGAN-PyTorch
// losses.py loss_hinge_gen).
//
//   L_G = -mean d_fake
//   dL/d d_fake_j = -1 / N
//
// No hinge on the generator's side: it keeps raising the critic's value of its samples, as the
// WGAN generator does (the same formula as wgan_generator_loss; kept as its own row so each
// objective names its pair).
//
// Shapes: d_fake any shape; output a scalar.
#include "autograd/functional.h"
#include "losses/gan.h"
#include "losses/gan/gan_util.h"

namespace minidl::losses {

Variable hinge_gan_generator_loss(const Variable& d_fake) {
  gan_detail::check_scores("hinge_gan_generator_loss", "d_fake", d_fake);
  return neg(mean(d_fake));
}

}  // namespace minidl::losses
