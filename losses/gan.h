// GAN losses (layer 2): the objectives of the two players of a generative adversarial network.
// Each is defined in losses/gan/<name>.cpp with its formula block; the trainer that plays them
// against each other is train/gan/.
//
// Inputs are the discriminator's raw outputs, never probabilities: logits for the minimax,
// non-saturating and relativistic objectives (D(x) = sigmoid(d)), critic values for WGAN and
// hinge, scores for LSGAN. d_real = D's outputs on real samples, d_fake on generated ones; any
// shape ([N] or [N, 1]), and the two batches may differ in size. Every loss is the mean over its
// batch (per player term), as BigGAN-PyTorch's losses.py and the papers write them; log sigmoid
// is always taken as -softplus(-d) so that no logit overflows or loses its gradient.
//
// Which goes with which (the trainer's Objective picks the pair):
//   minimax          gan_discriminator_minimax_loss  + gan_generator_saturating_loss
//   non-saturating   gan_discriminator_minimax_loss  + gan_generator_nonsaturating_loss
//   WGAN / WGAN-GP   wgan_critic_loss (+ lambda wgan_gradient_penalty) + wgan_generator_loss
//   hinge            hinge_gan_discriminator_loss    + hinge_gan_generator_loss
//   LSGAN            lsgan_discriminator_loss        + lsgan_generator_loss
//   relativistic     relativistic_average_discriminator_loss + _generator_loss
// r1_penalty regularises any of them (Mescheder et al. 2018).
#pragma once

#include <functional>

#include "autograd/variable.h"
#include "tensor/random.h"

namespace minidl::losses {

// mean softplus(-d_real) + mean softplus(d_fake) = -E log D(x) - E log(1 - D(G(z))).
Variable gan_discriminator_minimax_loss(const Variable& d_real, const Variable& d_fake);
// -mean softplus(d_fake) = E log(1 - D(G(z))), minimised (Goodfellow et al. 2014's original).
Variable gan_generator_saturating_loss(const Variable& d_fake);
// mean softplus(-d_fake) = -E log D(G(z)) (the non-saturating heuristic of the same paper).
Variable gan_generator_nonsaturating_loss(const Variable& d_fake);

// mean d_fake - mean d_real (Arjovsky et al. 2017; minus the Wasserstein estimate).
Variable wgan_critic_loss(const Variable& d_real, const Variable& d_fake);
// -mean d_fake.
Variable wgan_generator_loss(const Variable& d_fake);

// mean relu(1 - d_real) + mean relu(1 + d_fake) (SNGAN, BigGAN).
Variable hinge_gan_discriminator_loss(const Variable& d_real, const Variable& d_fake);
// -mean d_fake.
Variable hinge_gan_generator_loss(const Variable& d_fake);

// Mao et al. 2017: D pushes fakes to a and reals to b, G pushes fakes to c. The defaults are the
// 0-1 coding (a = 0, b = c = 1); a = -1, b = 1, c = 0 is the paper's Pearson chi^2 choice.
struct LsganOptions {
  double a = 0.0;  // D's target for fakes
  double b = 1.0;  // D's target for reals
  double c = 1.0;  // G's target for fakes
};
// 0.5 mean (d_real - b)^2 + 0.5 mean (d_fake - a)^2.
Variable lsgan_discriminator_loss(const Variable& d_real, const Variable& d_fake,
                                  const LsganOptions& options = {});
// 0.5 mean (d_fake - c)^2.
Variable lsgan_generator_loss(const Variable& d_fake, const LsganOptions& options = {});

// Relativistic average standard GAN (Jolicoeur-Martineau 2018, RaSGAN):
// mean softplus(-(d_real - mean d_fake)) + mean softplus(d_fake - mean d_real).
Variable relativistic_average_discriminator_loss(const Variable& d_real, const Variable& d_fake);
// The roles swapped: mean softplus(-(d_fake - mean d_real)) + mean softplus(d_real - mean d_fake).
Variable relativistic_average_generator_loss(const Variable& d_real, const Variable& d_fake);

// A critic: samples [N, ...] -> one output per sample ([N] or [N, 1]). A lambda, or a module
// through [&](const Variable& x) { return critic(x); }.
using Critic = std::function<Variable(const Variable&)>;

// Gulrajani et al. 2017: mean over samples of (||grad_x D(x_hat)||_2 - 1)^2 with
// x_hat = eps x_real + (1 - eps) x_fake, eps ~ U[0, 1] drawn per sample from gen, the norm over
// all non-batch dims. The interpolates are built from the values of x_real and x_fake (detached:
// the penalty trains the critic only). Multiply by lambda (the paper's 10) yourself.
Variable wgan_gradient_penalty(const Critic& critic, const Variable& x_real, const Variable& x_fake,
                               Generator& gen);
// The same penalty at given points x_hat [N, ...] (what the above evaluates after drawing eps).
Variable wgan_gradient_penalty_at(const Critic& critic, const Variable& x_hat);

// Mescheder et al. 2018: mean over real samples of ||grad_x D(x_real)||_2^2. The paper's
// regulariser is (gamma / 2) times this; multiply yourself.
Variable r1_penalty(const Critic& critic, const Variable& x_real);

// The fixed probe critic of the penalties' `minidl loss eval` form: f(x) = tanh(x W1) w2 with
// x [N, D], W1 [D, H], w2 [H]; output [N].
Variable probe_critic(const Variable& x, const Variable& W1, const Variable& w2);

}  // namespace minidl::losses
