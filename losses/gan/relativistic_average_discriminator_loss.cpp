// relativistic_average_discriminator_loss: the discriminator of the relativistic average standard
// GAN, RaSGAN (Jolicoeur-Martineau 2018, "The relativistic discriminator", eq. for RaSGAN).
//
//   r_i = d_real_i - mean d_fake,   f_j = d_fake_j - mean d_real
//   L_D = -E log sigmoid(r) - E log(1 - sigmoid(f)) = mean softplus(-r) + mean softplus(f)
//   dL/d d_real_i = -sigmoid(-r_i) / N_r - (1 / N_r) mean_j sigmoid(f_j)
//   dL/d d_fake_j =  sigmoid(f_j) / N_f + (1 / N_f) mean_i sigmoid(-r_i)
//
// D estimates how much more realistic a real sample is than the average fake (and a fake than
// the average real), so both batches enter each term and the generator's loss (the roles
// swapped) has a gradient through the real samples' term too. Softplus forms: stable for any
// logit.
//
// Shapes: d_real, d_fake any shape (batch sizes may differ); output a scalar.
#include "autograd/functional.h"
#include "losses/gan.h"
#include "losses/gan/gan_util.h"

namespace minidl::losses {

Variable relativistic_average_discriminator_loss(const Variable& d_real, const Variable& d_fake) {
  constexpr const char* kOp = "relativistic_average_discriminator_loss";
  gan_detail::check_scores(kOp, "d_real", d_real);
  gan_detail::check_scores(kOp, "d_fake", d_fake);
  const Variable r = d_real - mean(d_fake), f = d_fake - mean(d_real);
  return mean(softplus(neg(r))) + mean(softplus(f));
}

}  // namespace minidl::losses
