// gan_generator_saturating_loss: the generator's side of the original minimax game of Goodfellow
// et al. 2014, min_G E log(1 - D(G(z))), on logits.
//
//   L_G = E_fake log(1 - sigmoid(d_fake)) = -mean softplus(d_fake)
//   dL/d d_fake_j = -sigmoid(d_fake_j) / N
//
// Why it "saturates": early in training D rejects the fakes with confidence (d_fake << 0), where
// sigmoid(d_fake) ~ 0, so the generator's gradient vanishes exactly when it is worst. The
// non-saturating loss fixes this; this one is kept to show the effect (examples/gan/). Stable for
// any logit through softplus (never log(1 - sigmoid)).
//
// Shapes: d_fake any shape; output a scalar.
#include "autograd/functional.h"
#include "losses/gan.h"
#include "losses/gan/gan_util.h"

namespace minidl::losses {

Variable gan_generator_saturating_loss(const Variable& d_fake) {
  gan_detail::check_scores("gan_generator_saturating_loss", "d_fake", d_fake);
  return neg(mean(softplus(d_fake)));
}

}  // namespace minidl::losses
