// GAN objectives (layer 4, train/gan/): which pair of losses (losses/gan.h) the two players
// minimise, and which regulariser the critic needs. The trainer (train/gan/trainer.h) calls
// discriminator_loss and generator_loss with the discriminator's raw outputs.
//
//   objective        D / critic loss                        G loss                    extra
//   minimax          gan_discriminator_minimax_loss         gan_generator_saturating  -
//   non_saturating   gan_discriminator_minimax_loss         gan_generator_nonsaturating
//   wgan             wgan_critic_loss                       wgan_generator_loss       clip 0.01
//   wgan_gp          wgan_critic_loss + lambda GP           wgan_generator_loss       lambda 10
//   hinge            hinge_gan_discriminator_loss           hinge_gan_generator_loss  -
//   lsgan            lsgan_discriminator_loss               lsgan_generator_loss      a, b, c
//   relativistic     relativistic_average_discriminator     relativistic_average_generator
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "autograd/variable.h"
#include "losses/gan.h"

namespace minidl::train::gan {

enum class Objective {
  kMinimax,
  kNonSaturating,
  kWgan,
  kWganGp,
  kHinge,
  kLsgan,
  kRelativistic,
};

// "minimax", "non_saturating", "wgan", "wgan_gp", "hinge", "lsgan", "relativistic".
const char* objective_name(Objective objective);
// The inverse; an unknown name is an error listing the known ones.
Objective parse_objective(std::string_view name);
// Every objective, in the order above.
std::vector<Objective> all_objectives();
// The registry names of its two losses: {discriminator loss, generator loss}.
std::pair<std::string, std::string> objective_losses(Objective objective);
// Whether D's outputs are logits (sigmoid probabilities), as opposed to unbounded critic values.
bool outputs_are_logits(Objective objective);

// The discriminator's (critic's) loss on its outputs for a real and a fake batch, without any
// penalty (the trainer adds those).
Variable discriminator_loss(Objective objective, const Variable& d_real, const Variable& d_fake,
                            const losses::LsganOptions& lsgan = {});
// The generator's loss; d_real is used by the relativistic objective only (pass any otherwise).
Variable generator_loss(Objective objective, const Variable& d_real, const Variable& d_fake,
                        const losses::LsganOptions& lsgan = {});

}  // namespace minidl::train::gan
