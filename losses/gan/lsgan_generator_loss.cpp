// lsgan_generator_loss: the generator's loss of the least squares GAN (Mao et al. 2017).
//
//   L_G = 0.5 mean (d_fake - c)^2
//   dL/d d_fake_j = (d_fake_j - c) / N
//
// The generator wants the discriminator to score its samples c (default 1, the "real" target of
// the 0-1 coding; c = 0 with a = -1, b = 1 is the paper's Pearson chi^2 setting).
//
// Shapes: d_fake any shape; output a scalar.
#include <cmath>

#include "autograd/functional.h"
#include "losses/gan.h"
#include "losses/gan/gan_util.h"
#include "tensor/error.h"

namespace minidl::losses {

Variable lsgan_generator_loss(const Variable& d_fake, const LsganOptions& options) {
  constexpr const char* kOp = "lsgan_generator_loss";
  gan_detail::check_scores(kOp, "d_fake", d_fake);
  MINIDL_CHECK(std::isfinite(options.c), kOp, ": c must be finite, got ", options.c);
  return 0.5 * mean(square(d_fake - options.c));
}

}  // namespace minidl::losses
