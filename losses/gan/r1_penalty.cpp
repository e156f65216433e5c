// r1_penalty: the R1 gradient penalty of Mescheder, Geiger and Nowozin 2018 ("Which training
// methods for GANs do actually converge?"), on real samples only.
//
//   R1 = mean_i ||grad_x D(x)|_{x = x_real_i}||_2^2     (the norm over all non-batch dims)
//   the paper's regulariser is (gamma / 2) R1: the caller multiplies.
//
// Differentiating R1 with respect to the critic's weights theta needs the gradient of a gradient:
// g_i = dD/dx (x_i; theta) is computed with grad(..., create_graph = true), so the tape records
// the backward itself and dR1/dtheta = mean_i 2 g_i . d g_i / d theta is the true second-order
// term (the critic's activations need non-zero second derivatives for it to be non-zero: with
// ReLU, d g / d theta still flows through the weights, not through the kinks).
//
// The gradient with respect to x of sum_i D(x_i) is, row by row, the gradient of each sample's
// own output, as long as the critic treats samples independently (no batch norm in the critic,
// as Gulrajani et al. also require). Shapes: x_real [N, ...]; the critic returns N values
// ([N] or [N, 1]); output a scalar. The critic's inputs need no requires_grad: a leaf copy that
// requires grad is made when x_real is not already part of a graph.
#include <string>

#include "autograd/functional.h"
#include "autograd/tape.h"
#include "losses/gan.h"
#include "losses/gan/gan_util.h"
#include "tensor/error.h"

namespace minidl::losses {
namespace gan_detail {

Variable critic_input_gradient(std::string_view op,
                               const std::function<Variable(const Variable&)>& critic,
                               const Variable& x) {
  MINIDL_CHECK(static_cast<bool>(critic), op, ": no critic given");
  MINIDL_CHECK(x.dim() >= 1, op, ": samples must be [N, ...], got a 0-d tensor");
  MINIDL_CHECK(grad_enabled(), op,
               ": grad mode is off (inside a NoGradGuard?); the penalty needs the tape");
  const std::int64_t n = x.shape()[0];
  const Variable out = critic(x);
  MINIDL_CHECK(out.defined() && out.numel() == n, op, ": the critic must return one value per ",
               "sample (", n, "), got shape ",
               out.defined() ? shape_str(out.shape()) : std::string("undefined"));
  MINIDL_CHECK(out.requires_grad(), op, ": the critic's output does not depend on its input ",
               "or on any weight that requires grad");
  const Variable g = grad({sum(out)}, {x}, {.create_graph = true, .allow_unused = true}).at(0);
  return reshape(g, {n, x.numel() / n});
}

}  // namespace gan_detail

Variable r1_penalty(const Critic& critic, const Variable& x_real) {
  constexpr const char* kOp = "r1_penalty";
  gan_detail::check_scores(kOp, "x_real", x_real);
  const Variable x = x_real.requires_grad() ? x_real : Variable(x_real.value(), true);
  const Variable g = gan_detail::critic_input_gradient(kOp, critic, x);
  return mean(sum(square(g), {1}));
}

}  // namespace minidl::losses
