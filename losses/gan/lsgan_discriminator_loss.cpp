// lsgan_discriminator_loss: the discriminator's loss of the least squares GAN (Mao et al. 2017).
//
//   L_D = 0.5 mean (d_real - b)^2 + 0.5 mean (d_fake - a)^2
//   dL/d d_real_i = (d_real_i - b) / N_real,   dL/d d_fake_j = (d_fake_j - a) / N_fake
//
// The discriminator regresses reals to b and fakes to a (defaults a = 0, b = 1: the 0-1 coding
// of eriklindernoren/PyTorch-GAN's lsgan.py, MSE to the labels). Unlike the sigmoid losses, the
// squared error keeps pulling fakes that are on the right side of the boundary but far from the
// data, which the paper credits for steadier training. d is a raw output (no sigmoid).
//
// Shapes: d_real, d_fake any shape (batch sizes may differ); output a scalar.
#include <cmath>

#include "autograd/functional.h"
#include "losses/gan.h"
#include "losses/gan/gan_util.h"
#include "tensor/error.h"

namespace minidl::losses {

Variable lsgan_discriminator_loss(const Variable& d_real, const Variable& d_fake,
                                  const LsganOptions& options) {
  constexpr const char* kOp = "lsgan_discriminator_loss";
  gan_detail::check_scores(kOp, "d_real", d_real);
  gan_detail::check_scores(kOp, "d_fake", d_fake);
  MINIDL_CHECK(std::isfinite(options.a) && std::isfinite(options.b), kOp,
               ": a and b must be finite, got a = ", options.a, ", b = ", options.b);
  return 0.5 * mean(square(d_real - options.b)) + 0.5 * mean(square(d_fake - options.a));
}

}  // namespace minidl::losses
