// relativistic_average_generator_loss: the generator of the relativistic average standard GAN,
// RaSGAN (Jolicoeur-Martineau 2018): the discriminator's loss with real and fake swapped.
//
//   r_i = d_real_i - mean d_fake,   f_j = d_fake_j - mean d_real
//   L_G = -E log sigmoid(f) - E log(1 - sigmoid(r)) = mean softplus(-f) + mean softplus(r)
//
// Unlike the other generator losses it takes d_real as well: the generator gains by making the
// reals look less realistic than the average fake, a gradient that flows to G through mean
// d_fake inside r (d_real itself does not depend on G). Softplus forms: stable for any logit.
//
// Shapes: d_real, d_fake any shape (batch sizes may differ); output a scalar.
#include "autograd/functional.h"
#include "losses/gan.h"
#include "losses/gan/gan_util.h"

namespace minidl::losses {

Variable relativistic_average_generator_loss(const Variable& d_real, const Variable& d_fake) {
  constexpr const char* kOp = "relativistic_average_generator_loss";
  gan_detail::check_scores(kOp, "d_real", d_real);
  gan_detail::check_scores(kOp, "d_fake", d_fake);
  const Variable r = d_real - mean(d_fake), f = d_fake - mean(d_real);
  return mean(softplus(neg(f))) + mean(softplus(r));
}

}  // namespace minidl::losses
