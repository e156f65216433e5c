#include "train/gan/objective.h"

#include "tensor/error.h"

namespace minidl::train::gan {

const char* objective_name(Objective objective) {
  switch (objective) {
    case Objective::kMinimax:
      return "minimax";
    case Objective::kNonSaturating:
      return "non_saturating";
    case Objective::kWgan:
      return "wgan";
    case Objective::kWganGp:
      return "wgan_gp";
    case Objective::kHinge:
      return "hinge";
    case Objective::kLsgan:
      return "lsgan";
    case Objective::kRelativistic:
      return "relativistic";
  }
  return "?";
}

std::vector<Objective> all_objectives() {
  return {Objective::kMinimax,     Objective::kNonSaturating, Objective::kWgan,
          Objective::kWganGp,      Objective::kHinge,         Objective::kLsgan,
          Objective::kRelativistic};
}

Objective parse_objective(std::string_view name) {
  std::string known;
  for (Objective o : all_objectives()) {
    if (name == objective_name(o)) return o;
    known += known.empty() ? "" : ", ";
    known += objective_name(o);
  }
  MINIDL_FAIL("gan: unknown objective '", name, "' (known: ", known, ")");
}

std::pair<std::string, std::string> objective_losses(Objective objective) {
  switch (objective) {
    case Objective::kMinimax:
      return {"gan_discriminator_minimax_loss", "gan_generator_saturating_loss"};
    case Objective::kNonSaturating:
      return {"gan_discriminator_minimax_loss", "gan_generator_nonsaturating_loss"};
    case Objective::kWgan:
    case Objective::kWganGp:
      return {"wgan_critic_loss", "wgan_generator_loss"};
    case Objective::kHinge:
      return {"hinge_gan_discriminator_loss", "hinge_gan_generator_loss"};
    case Objective::kLsgan:
      return {"lsgan_discriminator_loss", "lsgan_generator_loss"};
    case Objective::kRelativistic:
      return {"relativistic_average_discriminator_loss", "relativistic_average_generator_loss"};
  }
  return {};
}

bool outputs_are_logits(Objective objective) {
  return objective == Objective::kMinimax || objective == Objective::kNonSaturating ||
         objective == Objective::kRelativistic;
}

Variable discriminator_loss(Objective objective, const Variable& d_real, const Variable& d_fake,
                            const losses::LsganOptions& lsgan) {
  switch (objective) {
    case Objective::kMinimax:
    case Objective::kNonSaturating:
      return losses::gan_discriminator_minimax_loss(d_real, d_fake);
    case Objective::kWgan:
    case Objective::kWganGp:
      return losses::wgan_critic_loss(d_real, d_fake);
    case Objective::kHinge:
      return losses::hinge_gan_discriminator_loss(d_real, d_fake);
    case Objective::kLsgan:
      return losses::lsgan_discriminator_loss(d_real, d_fake, lsgan);
    case Objective::kRelativistic:
      return losses::relativistic_average_discriminator_loss(d_real, d_fake);
  }
  MINIDL_FAIL("gan: bad objective");
}

Variable generator_loss(Objective objective, const Variable& d_real, const Variable& d_fake,
                        const losses::LsganOptions& lsgan) {
  switch (objective) {
    case Objective::kMinimax:
      return losses::gan_generator_saturating_loss(d_fake);
    case Objective::kNonSaturating:
      return losses::gan_generator_nonsaturating_loss(d_fake);
    case Objective::kWgan:
    case Objective::kWganGp:
      return losses::wgan_generator_loss(d_fake);
    case Objective::kHinge:
      return losses::hinge_gan_generator_loss(d_fake);
    case Objective::kLsgan:
      return losses::lsgan_generator_loss(d_fake, lsgan);
    case Objective::kRelativistic:
      return losses::relativistic_average_generator_loss(d_real, d_fake);
  }
  MINIDL_FAIL("gan: bad objective");
}

}  // namespace minidl::train::gan
