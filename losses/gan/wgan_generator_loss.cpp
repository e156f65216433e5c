// wgan_generator_loss: the generator's loss of the Wasserstein GAN (Arjovsky et al. 2017), also
// used by WGAN-GP (Gulrajani et al. 2017).
//
//   L_G = -mean d_fake
//   dL/d d_fake_j = -1 / N
//
// The generator lowers the Wasserstein estimate mean d_real - mean d_fake; the real term does
// not depend on it and is dropped. Critic values are raw outputs, no sigmoid.
//
// Shapes: d_fake any shape; output a scalar.
#include "autograd/functional.h"
#include "losses/gan.h"
#include "losses/gan/gan_util.h"

namespace minidl::losses {

Variable wgan_generator_loss(const Variable& d_fake) {
  gan_detail::check_scores("wgan_generator_loss", "d_fake", d_fake);
  return neg(mean(d_fake));
}

}  // namespace minidl::losses
