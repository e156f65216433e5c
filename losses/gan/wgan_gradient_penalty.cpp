// wgan_gradient_penalty: the gradient penalty of WGAN-GP (Gulrajani et al. 2017, Algorithm 1).
//
//   x_hat_i = eps_i x_real_i + (1 - eps_i) x_fake_i,   eps_i ~ U[0, 1], one per SAMPLE
//   GP = mean_i (||grad_x D(x)|_{x = x_hat_i}||_2 - 1)^2   (the norm over ALL non-batch dims)
//   the critic's loss is wgan_critic_loss + lambda GP (the paper: lambda = 10); the caller
//   multiplies.
//
// A soft 1-Lipschitz constraint: the optimal critic has gradient norm 1 on the lines between
// the two distributions, so the penalty pulls it there instead of clipping weights. Two classic
// bugs are avoided by construction (features.md 5.2): eps is drawn per sample, not per element,
// and the norm is over every non-batch dim, not just dim 1.
//
// Second order: grad_x D(x_hat) is recorded (create_graph), so backward of GP reaches the
// critic's weights through the critic's own backward: d GP / d theta =
// mean_i 2 (1 - 1/||g_i||) g_i . d g_i / d theta. At g_i = 0 the norm's subgradient is 0 (as
// torch.norm's), which keeps the gradient finite.
//
// The interpolates are built from the values of x_real and x_fake (both detached): the penalty
// is a term of the critic's step, where the fakes are detached anyway. Shapes: x_real and x_fake
// [N, ...] of one shape and dtype; the critic returns N values; output a scalar.
//
// The eval form (wgan_gradient_penalty_at) takes x_hat directly; the registry evaluates it on
// the probe critic f(x) = tanh(x W1) w2 (probe_critic) so that `minidl loss eval` can check the
// double backward against PyTorch without shipping a network.
#include "autograd/functional.h"
#include "losses/gan.h"
#include "losses/gan/gan_util.h"
#include "tensor/error.h"

namespace minidl::losses {

Variable wgan_gradient_penalty_at(const Critic& critic, const Variable& x_hat) {
  constexpr const char* kOp = "wgan_gradient_penalty";
  gan_detail::check_scores(kOp, "x_hat", x_hat);
  const Variable x = x_hat.requires_grad() ? x_hat : Variable(x_hat.value(), true);
  const Variable g = gan_detail::critic_input_gradient(kOp, critic, x);
  return mean(square(norm(g, 2.0, {1}) - 1.0));
}

Variable wgan_gradient_penalty(const Critic& critic, const Variable& x_real, const Variable& x_fake,
                               Generator& gen) {
  constexpr const char* kOp = "wgan_gradient_penalty";
  gan_detail::check_scores(kOp, "x_real", x_real);
  gan_detail::check_scores(kOp, "x_fake", x_fake);
  check_same_shape(kOp, "x_real", x_real, "x_fake", x_fake);
  MINIDL_CHECK(x_real.dtype() == x_fake.dtype(), kOp, ": x_real is ", dtype_name(x_real.dtype()),
               ", x_fake is ", dtype_name(x_fake.dtype()));
  MINIDL_CHECK(x_real.dim() >= 1, kOp, ": samples must be [N, ...], got a 0-d tensor");
  Shape eps_shape(static_cast<std::size_t>(x_real.dim()), 1);
  eps_shape[0] = x_real.shape()[0];
  const Variable eps(rand(eps_shape, gen, x_real.dtype()));
  const Variable real(x_real.value()), fake(x_fake.value());
  const Variable x_hat = eps * real + (1.0 - eps) * fake;  // nothing requires grad: no tape
  return wgan_gradient_penalty_at(critic, Variable(x_hat.value(), true));
}

Variable probe_critic(const Variable& x, const Variable& W1, const Variable& w2) {
  constexpr const char* kOp = "probe_critic";
  MINIDL_CHECK(x.dim() == 2 && W1.dim() == 2 && w2.dim() == 1 && W1.shape()[0] == x.shape()[1] &&
                   w2.shape()[0] == W1.shape()[1],
               kOp, ": needs x_hat [N, D], W1 [D, H], w2 [H], got x_hat ", shape_str(x.shape()),
               ", W1 ", shape_str(W1.shape()), ", w2 ", shape_str(w2.shape()));
  return matmul(tanh(matmul(x, W1)), w2);
}

}  // namespace minidl::losses
