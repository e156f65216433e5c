// relativistic_average_discriminator_loss example: the relativistic average discriminator on the
// 8-Gaussian ring
//
// Trains a GAN on the 8-Gaussian ring (radius 2, std 0.02) with the relativistic average (RaSGAN)
// objective, whose discriminator loss is this loss, and prints the modes covered (a mode counts
// when at least 1% of 2000 samples lie within 0.1 of its centre) and the share of high-quality
// samples, before -> after; the samples over the real ones go to <out>/samples.png. The model, the
// data and the defaults are shared by every GAN example (examples/common/gan_toy.h).
//
//   relativistic_average_discriminator_loss [--quick] [--steps N] [--toy ring8|grid25|swiss_roll]
//   [--lr L] [--n-critic K] [--seed S]
#include "examples/common/gan_toy.h"

int main(int argc, char** argv) {
  using minidl::train::gan::Objective;
  return minidl::examples::gan_toy_main(
      argc, argv,
      {.name = "relativistic_average_discriminator_loss",
       .objective = Objective::kRelativistic,
       .description = "the relativistic average discriminator on the 8-Gaussian ring"});
}
