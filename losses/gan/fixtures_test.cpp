// Every GAN loss against its reference in torch ops (tests/fixtures/losses_gan.py), through the
// registry exactly as `minidl loss eval` runs a case; the penalties' cases include the double
// backward of the probe critic's weights W1 and w2.
#include <doctest/doctest.h>

#include "tests/loss_fixtures.h"

namespace minidl::losses {
namespace {

TEST_CASE("gan losses: every loss matches its torch reference through loss eval") {
  for (const char* name :
       {"gan_discriminator_minimax_loss", "gan_generator_saturating_loss",
        "gan_generator_nonsaturating_loss", "wgan_critic_loss", "wgan_generator_loss",
        "hinge_gan_discriminator_loss", "hinge_gan_generator_loss", "lsgan_discriminator_loss",
        "lsgan_generator_loss", "relativistic_average_discriminator_loss",
        "relativistic_average_generator_loss"}) {
    CAPTURE(name);
    CHECK(testing::check_loss_fixtures(name) >= 4);
  }
}

TEST_CASE("gan losses: the penalties' double backward matches PyTorch (probe critic)") {
  CHECK(testing::check_loss_fixtures("wgan_gradient_penalty") == 3);
  CHECK(testing::check_loss_fixtures("r1_penalty") == 3);
}

}  // namespace
}  // namespace minidl::losses
