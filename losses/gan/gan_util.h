// What the GAN losses share (losses/gan/*.cpp only): input checks and the critic's input gradient.
#pragma once

#include <functional>
#include <string_view>

#include "autograd/variable.h"
#include "losses/reduction.h"

namespace minidl::losses::gan_detail {

// A batch of discriminator outputs: defined, floating, not empty (any shape).
inline void check_scores(std::string_view op, std::string_view name, const Variable& d) {
  check_floating(op, name, d);
  check_not_empty(op, name, d);
}

// grad_x sum(critic(x)) as [N, numel / N] rows, recorded (create_graph) so a loss built on it
// can be differentiated again with respect to the critic's weights; the gradient penalties'
// shared core. x must require grad; grad mode must be on. Defined in r1_penalty.cpp.
Variable critic_input_gradient(std::string_view op,
                               const std::function<Variable(const Variable&)>& critic,
                               const Variable& x);

}  // namespace minidl::losses::gan_detail
