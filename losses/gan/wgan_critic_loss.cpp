// wgan_critic_loss: the critic's loss of the Wasserstein GAN (Arjovsky et al. 2017).
//
//   L_C = mean d_fake - mean d_real
//   dL/d d_real_i = -1 / N_real,   dL/d d_fake_j = 1 / N_fake
//
// By Kantorovich-Rubinstein duality, W(P_real, P_fake) = sup over 1-Lipschitz f of
// E_real f - E_fake f, so -L_C at the critic's optimum estimates the Wasserstein-1 distance (the
// trainer logs it as "wasserstein"). The loss says nothing about the Lipschitz constraint: clip
// the critic's weights (the paper, [-0.01, 0.01]) or add lambda * wgan_gradient_penalty (WGAN-GP).
// Critic values are raw outputs, no sigmoid.
//
// Shapes: d_real, d_fake any shape (batch sizes may differ); output a scalar.
#include "autograd/functional.h"
#include "losses/gan.h"
#include "losses/gan/gan_util.h"

namespace minidl::losses {

Variable wgan_critic_loss(const Variable& d_real, const Variable& d_fake) {
  constexpr const char* kOp = "wgan_critic_loss";
  gan_detail::check_scores(kOp, "d_real", d_real);
  gan_detail::check_scores(kOp, "d_fake", d_fake);
  return mean(d_fake) - mean(d_real);
}

}  // namespace minidl::losses
