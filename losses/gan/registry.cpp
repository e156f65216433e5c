// The GAN rows of the loss registry (losses/registry.h).
//
// PyTorch has no GAN losses; their fixtures are the formulas in torch ops
// (tests/fixtures/losses_gan.py). The penalties take a critic, which a JSON case cannot carry, so
// their `loss eval` form is the fixed probe critic f(x) = tanh(x W1) w2: inputs x_hat [N, D] (the
// real samples for R1), W1 [D, H], w2 [H]; the reported gradients with respect to W1 and w2 are
// the double backward a critic's weights receive in training.
#include "losses/registry.h"

#include "losses/gan.h"

namespace minidl::losses {

std::vector<LossInfo> gan_losses() {
  const InputSpec d_real{"d_real", InputKind::kFloat, false, "D's logits / critic values on reals"};
  const InputSpec d_fake{"d_fake", InputKind::kFloat, false, "D's logits / critic values on fakes"};
  const std::vector<InputSpec> probe = {
      {"x_hat", InputKind::kFloat, false, "points [N, D] where the critic's gradient is taken"},
      {"W1", InputKind::kFloat, false, "probe critic's first layer [D, H]"},
      {"w2", InputKind::kFloat, false, "probe critic's output weights [H]"}};
  const auto lsgan_params = std::vector<ParamSpec>{{"a", 0.0, "D's target for fakes"},
                                                   {"b", 1.0, "D's target for reals"},
                                                   {"c", 1.0, "G's target for fakes"}};
  auto lsgan = [](const EvalArgs& a) {
    const LsganOptions d;  // the C++ defaults
    return LsganOptions{.a = a.number("a", d.a), .b = a.number("b", d.b), .c = a.number("c", d.c)};
  };
  auto probe_fn = [](const EvalArgs& a) -> Critic {
    const Variable W1 = a.input("W1"), w2 = a.input("w2");
    return [W1, w2](const Variable& x) { return probe_critic(x, W1, w2); };
  };
  return in_family(
      "gan",
      {
          {.name = "gan_discriminator_minimax_loss",
           .formula = "mean softplus(-d_real) + mean softplus(d_fake)",
           .reference = "Goodfellow et al. 2014",
           .inputs = {d_real, d_fake},
           .params = {},
           .evaluate =
               [](const EvalArgs& a) {
                 return gan_discriminator_minimax_loss(a.input("d_real"), a.input("d_fake"));
               }},
          {.name = "gan_generator_saturating_loss",
           .formula = "-mean softplus(d_fake)  (min log(1 - D(G(z))))",
           .reference = "Goodfellow et al. 2014 (minimax)",
           .inputs = {d_fake},
           .params = {},
           .evaluate =
               [](const EvalArgs& a) { return gan_generator_saturating_loss(a.input("d_fake")); }},
          {.name = "gan_generator_nonsaturating_loss",
           .formula = "mean softplus(-d_fake)  (min -log D(G(z)))",
           .reference = "Goodfellow et al. 2014 (non-saturating)",
           .inputs = {d_fake},
           .params = {},
           .evaluate =
               [](const EvalArgs& a) {
                 return gan_generator_nonsaturating_loss(a.input("d_fake"));
               }},
          {.name = "wgan_critic_loss",
           .formula = "mean d_fake - mean d_real",
           .reference = "Arjovsky et al. 2017 (WGAN)",
           .inputs = {d_real, d_fake},
           .params = {},
           .evaluate =
               [](const EvalArgs& a) {
                 return wgan_critic_loss(a.input("d_real"), a.input("d_fake"));
               }},
          {.name = "wgan_generator_loss",
           .formula = "-mean d_fake",
           .reference = "Arjovsky et al. 2017 (WGAN)",
           .inputs = {d_fake},
           .params = {},
           .evaluate = [](const EvalArgs& a) { return wgan_generator_loss(a.input("d_fake")); }},
          {.name = "hinge_gan_discriminator_loss",
           .formula = "mean relu(1 - d_real) + mean relu(1 + d_fake)",
           .reference = "Miyato et al. 2018 (SNGAN), BigGAN-PyTorch loss_hinge_dis",
           .inputs = {d_real, d_fake},
           .params = {},
           .evaluate =
               [](const EvalArgs& a) {
                 return hinge_gan_discriminator_loss(a.input("d_real"), a.input("d_fake"));
               }},
          {.name = "hinge_gan_generator_loss",
           .formula = "-mean d_fake",
           .reference = "Miyato et al. 2018 (SNGAN), BigGAN-PyTorch loss_hinge_gen",
           .inputs = {d_fake},
           .params = {},
           .evaluate =
               [](const EvalArgs& a) { return hinge_gan_generator_loss(a.input("d_fake")); }},
          {.name = "lsgan_discriminator_loss",
           .formula = "0.5 mean (d_real - b)^2 + 0.5 mean (d_fake - a)^2",
           .reference = "Mao et al. 2017 (LSGAN)",
           .inputs = {d_real, d_fake},
           .params = lsgan_params,
           .evaluate =
               [lsgan](const EvalArgs& a) {
                 return lsgan_discriminator_loss(a.input("d_real"), a.input("d_fake"), lsgan(a));
               }},
          {.name = "lsgan_generator_loss",
           .formula = "0.5 mean (d_fake - c)^2",
           .reference = "Mao et al. 2017 (LSGAN)",
           .inputs = {d_fake},
           .params = lsgan_params,
           .evaluate =
               [lsgan](const EvalArgs& a) {
                 return lsgan_generator_loss(a.input("d_fake"), lsgan(a));
               }},
          {.name = "relativistic_average_discriminator_loss",
           .formula =
               "mean softplus(-(d_real - mean d_fake)) + mean softplus(d_fake - mean d_real)",
           .reference = "Jolicoeur-Martineau 2018 (RaSGAN)",
           .inputs = {d_real, d_fake},
           .params = {},
           .evaluate =
               [](const EvalArgs& a) {
                 return relativistic_average_discriminator_loss(a.input("d_real"),
                                                                a.input("d_fake"));
               }},
          {.name = "relativistic_average_generator_loss",
           .formula =
               "mean softplus(-(d_fake - mean d_real)) + mean softplus(d_real - mean d_fake)",
           .reference = "Jolicoeur-Martineau 2018 (RaSGAN)",
           .inputs = {d_real, d_fake},
           .params = {},
           .evaluate =
               [](const EvalArgs& a) {
                 return relativistic_average_generator_loss(a.input("d_real"), a.input("d_fake"));
               }},
          {.name = "wgan_gradient_penalty",
           .formula =
               "mean_i (||grad_x D(x_hat_i)||_2 - 1)^2, x_hat = eps x_real + (1 - eps) x_fake",
           .reference = "Gulrajani et al. 2017 (WGAN-GP); eval: probe critic tanh(x W1) w2",
           .inputs = probe,
           .params = {},
           .evaluate =
               [probe_fn](const EvalArgs& a) {
                 return wgan_gradient_penalty_at(probe_fn(a), a.input("x_hat"));
               }},
          {.name = "r1_penalty",
           .formula = "mean_i ||grad_x D(x_real_i)||_2^2  (times gamma / 2 by the caller)",
           .reference = "Mescheder et al. 2018 (R1); eval: probe critic tanh(x W1) w2",
           .inputs = probe,
           .params = {},
           .evaluate =
               [probe_fn](const EvalArgs& a) { return r1_penalty(probe_fn(a), a.input("x_hat")); }},
      });
}

}  // namespace minidl::losses
