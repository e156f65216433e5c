// gan_generator_nonsaturating_loss: the non-saturating generator loss of Goodfellow et al. 2014
// (section 3), i.e. binary cross entropy of the fakes against the "real" label.
//
//   L_G = -E_fake log sigmoid(d_fake) = mean softplus(-d_fake)
//   dL/d d_fake_j = -sigmoid(-d_fake_j) / N
//
// Same fixed point as the minimax game, but the gradient is largest where D rejects the fakes
// (d_fake << 0), which is where the generator needs it. Stable for any logit (softplus form);
// BigGAN-PyTorch's loss_gen uses the same expression.
//
// Shapes: d_fake any shape; output a scalar.
#include "autograd/functional.h"
#include "losses/gan.h"
#include "losses/gan/gan_util.h"

namespace minidl::losses {

Variable gan_generator_nonsaturating_loss(const Variable& d_fake) {
  gan_detail::check_scores("gan_generator_nonsaturating_loss", "d_fake", d_fake);
  return mean(softplus(neg(d_fake)));
}

}  // namespace minidl::losses
