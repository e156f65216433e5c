// gan_fashion: an MLP GAN and a DCGAN on Fashion-MNIST, measured by a Fréchet distance in the
// feature space of minidl's own Fashion-MNIST CNN and by the classes that CNN sees in the samples.
//
//   MLP GAN  G: z [64] - 256 - 512 - 784 tanh (LeakyReLU 0.2)   D: 784 - 512 - 256 - 1 (LeakyReLU
//   0.2) DCGAN    G: z [64] - linear 64x7x7 - BN - ReLU - convT 4x4/2 32 [14x14] - BN - ReLU
//               - convT 4x4/2 1 [28x28] - tanh
//            D: conv 4x4/2 32 [14x14] - LeakyReLU 0.2 - conv 4x4/2 64 [7x7] - BN - LeakyReLU 0.2
//               - linear 1
// Both: the non-saturating objective (Goodfellow et al.'s -log D(G(z)), the DCGAN paper's), batch
// 64, Adam(2e-4, betas (0.5, 0.999)) for both players (Radford et al. 2016), one D step per G
// step, images scaled to [-1, 1]. Why not the ring's best (WGAN-GP, 8/8 modes on every seed in
// gan_study): its n_critic 5 and double backward cost ~10x per generator step through the
// convolutions; non-saturating is the objective DCGAN was designed and tuned with (--objective
// picks another). An "epoch" is 60000 / 64 generator steps; real batches are drawn with
// replacement by the trainer's generator.
//
// The trainer's on_log hook runs once per epoch: a PNG grid of 64 samples from fixed noise
// (<out>/<model>_epoch<k>.png) and the Fréchet distance of that epoch (on --fid-samples samples).
// Measures at the end, on 10000 generated images against 10000 training images (features: the
// classifier's 128 ReLU units, train/fashion_classifier.h):
//   FID     |mu_r - mu_g|^2 + tr(S_r + S_g - 2 (S_r S_g)^1/2)   (metrics/frechet.h)
//   floor   the same distance between 10000 training and the 10000 test images
//   classes the CNN's argmax over the samples: histogram, classes present, entropy in nats
//           (ln 10 = 2.303 for a uniform spread; a mode-collapsed G scores low)
// The classifier is loaded from --classifier (e.g. written by `fashion_cnn --save PATH`), else
// from the cache of train/fashion_classifier.h (trained on first use, 5 epochs, a few minutes).
// Quick mode: 2000 training images, 500 for the measures, a classifier trained 1 epoch on them
// (not cached), 150 MLP and 20 DCGAN steps: a few seconds.
//
//   gan_fashion [--quick] [--epochs N] [--steps N] [--model mlp|dcgan|both] [--objective NAME]
//               [--batch B] [--lr LR] [--fid-samples N] [--classifier PATH] [--out DIR] [--seed S]
// Exits 1 unless the last model's FID after training is below its FID at initialisation.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "data/fashion_mnist.h"
#include "examples/common/example.h"
#include "metrics/frechet.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/conv_transpose2d.h"
#include "nn/flatten.h"
#include "nn/linear.h"
#include "optim/adam.h"
#include "tensor/ops.h"
#include "train/fashion_classifier.h"
#include "train/gan/sample_plot.h"
#include "train/gan/trainer.h"

using namespace minidl;
namespace gan = train::gan;

namespace {

constexpr std::int64_t kNoise = 64;

struct Players {
  std::shared_ptr<nn::Sequential> g, d;
};

Players mlp_gan(Generator& gen) {
  auto lrelu = [] { return std::make_shared<nn::LeakyReLU>(0.2); };
  return {std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(kNoise, 256, gen), lrelu(),
                                           std::make_shared<nn::Linear>(256, 512, gen), lrelu(),
                                           std::make_shared<nn::Linear>(512, 784, gen),
                                           std::make_shared<nn::Tanh>(),
                                           std::make_shared<nn::Unflatten>(1, Shape{1, 28, 28})),
          std::make_shared<nn::Sequential>(std::make_shared<nn::Flatten>(),
                                           std::make_shared<nn::Linear>(784, 512, gen), lrelu(),
                                           std::make_shared<nn::Linear>(512, 256, gen), lrelu(),
                                           std::make_shared<nn::Linear>(256, 1, gen))};
}

Players dcgan(Generator& gen) {
  auto lrelu = [] { return std::make_shared<nn::LeakyReLU>(0.2); };
  const nn::ConvTranspose2dOptions up{.stride = 2, .padding = 1};
  const nn::Conv2dOptions down{.stride = 2, .padding = 1};
  return {
      std::make_shared<nn::Sequential>(
          std::make_shared<nn::Linear>(kNoise, 64 * 7 * 7, gen),
          std::make_shared<nn::BatchNorm1d>(64 * 7 * 7), std::make_shared<nn::ReLU>(),
          std::make_shared<nn::Unflatten>(1, Shape{64, 7, 7}),
          std::make_shared<nn::ConvTranspose2d>(64, 32, 4, gen, up),
          std::make_shared<nn::BatchNorm2d>(32), std::make_shared<nn::ReLU>(),
          std::make_shared<nn::ConvTranspose2d>(32, 1, 4, gen, up), std::make_shared<nn::Tanh>()),
      std::make_shared<nn::Sequential>(std::make_shared<nn::Conv2d>(1, 32, 4, gen, down), lrelu(),
                                       std::make_shared<nn::Conv2d>(32, 64, 4, gen, down),
                                       std::make_shared<nn::BatchNorm2d>(64), lrelu(),
                                       std::make_shared<nn::Flatten>(),
                                       std::make_shared<nn::Linear>(64 * 7 * 7, 1, gen))};
}

// Generated images in [-1, 1] back to pixels in [0, 1], as the classifier was trained on.
Tensor to_pixels(const Tensor& x) { return clamp(mul(add(x, 1.0), 0.5), 0.0, 1.0); }

// n samples from the trainer's generator in batches of 500, as pixels [n, 1, 28, 28].
Tensor generate_pixels(gan::GanTrainer& t, std::int64_t n, std::uint64_t seed) {
  Generator gen(seed);
  std::vector<Tensor> parts;
  for (std::int64_t s = 0; s < n; s += 500)
    parts.push_back(t.sample(std::min<std::int64_t>(500, n - s), gen));
  return to_pixels(concat(parts, 0));
}

struct Measures {
  double fid = 0, entropy = 0;
  std::int64_t classes_present = 0;
  std::vector<double> fractions;
};

Measures measure(const train::FashionClassifier& cnn, const metrics::FeatureStatistics& real,
                 const Tensor& pixels) {
  Tensor f, l;
  cnn.features_and_logits(pixels, f, l);
  const train::ClassHistogram h = train::class_histogram(argmax(l, 1), 10);
  return {metrics::frechet_distance(real, metrics::feature_statistics(f)), h.entropy,
          h.classes_present, h.fractions};
}

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "gan_fashion",
                               .epochs = 5,
                               .budget = examples::Budget::kEpochsOrSteps,
                               .uses_fashion = true};
  std::string model = "both", objective = "non_saturating", classifier_path;
  std::int64_t batch = 64, fid_samples = 10000;
  double lr = 2e-4;
  examples::Flags app{"minidl example: an MLP GAN and a DCGAN on Fashion-MNIST, with FID"};
  examples::add_standard_flags(app, opt);
  app.add_option("--model", model, "mlp, dcgan or both")->capture_default_str();
  app.add_option("--objective", objective, "GAN objective (gan_study's names)")
      ->capture_default_str();
  app.add_option("--batch", batch, "real and fake images per step")->capture_default_str();
  app.add_option("--lr", lr, "Adam learning rate of both players")->capture_default_str();
  app.add_option("--fid-samples", fid_samples, "generated / real images per measure")
      ->capture_default_str();
  app.add_option("--classifier", classifier_path,
                 "feature CNN (fashion_cnn --save PATH); default: the cache, trained on first use");
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    MINIDL_CHECK(model == "mlp" || model == "dcgan" || model == "both",
                 "gan_fashion: --model must be mlp, dcgan or both, got '", model, "'");
    MINIDL_CHECK(data::fashion_mnist_available(examples::fashion_dir(opt)),
                 "gan_fashion: Fashion-MNIST not found in ",
                 data::fashion_mnist_dir(examples::fashion_dir(opt)),
                 " (install Debian's dataset-fashion-mnist, or pass --data)");
    const gan::Objective obj = gan::parse_objective(objective);
    const std::int64_t n_train = opt.quick ? 2000 : -1, n_measure = opt.quick ? 500 : fid_samples;
    std::filesystem::create_directories(opt.out_dir);
    const auto t0 = std::chrono::steady_clock::now();
    const data::ImageSet train_set = data::load_fashion_mnist(
        data::Split::kTrain, {.dir = examples::fashion_dir(opt), .limit = n_train});
    const data::ImageSet test_set = data::load_fashion_mnist(
        data::Split::kTest, {.dir = examples::fashion_dir(opt), .limit = n_measure});

    const train::FashionClassifier cnn =
        !classifier_path.empty()
            ? train::load_fashion_classifier(classifier_path)
            : train::load_or_train_fashion_classifier(
                  opt.quick
                      ? train::FashionClassifierOptions{.cache = false,
                                                        .data_dir = examples::fashion_dir(opt),
                                                        .epochs = 1,
                                                        .train_limit = 2000,
                                                        .test_limit = 500}
                      : train::FashionClassifierOptions{.data_dir = examples::fashion_dir(opt),
                                                        .verbose = 1});
    std::printf("feature CNN: test accuracy %.2f%% (%s)\n", 100 * cnn.test_accuracy(),
                !classifier_path.empty() ? classifier_path.c_str()
                : opt.quick              ? "quick: 1 epoch on 2000 images, not cached"
                                         : train::default_fashion_classifier_path().c_str());
    const std::int64_t n_real = std::min<std::int64_t>(n_measure, train_set.images.shape()[0]);
    const metrics::FeatureStatistics real =
        metrics::feature_statistics(cnn.features(train_set.images.narrow_rows(0, n_real)));
    const Measures floor = measure(cnn, real, test_set.images);
    std::printf(
        "real vs real (first %lld training vs %lld test images): FID %.3f, %lld classes, "
        "entropy %.3f nats (ln 10 = %.3f)\n",
        static_cast<long long>(n_real), static_cast<long long>(test_set.images.shape()[0]),
        floor.fid, static_cast<long long>(floor.classes_present), floor.entropy, std::log(10.0));

    const Tensor gan_images = sub(mul(train_set.images, 2.0), 1.0);  // [-1, 1]
    const std::int64_t n_images = gan_images.shape()[0];
    const std::int64_t steps_per_epoch = std::max<std::int64_t>(1, n_images / batch);
    std::int64_t steps = opt.steps > 0 ? opt.steps : opt.epochs * steps_per_epoch;
    double fid_before = 0, fid_after = 0;
    std::vector<std::pair<std::string, double>> extras;
    for (const std::string name : {"mlp", "dcgan"}) {
      if (model != "both" && model != name) continue;
      std::int64_t model_steps = steps, log_every = steps_per_epoch;
      if (opt.quick && opt.steps == 0) {  // a few seconds: the DCGAN step costs ~10 MLP steps
        model_steps = name == "mlp" ? 150 : 20;
        log_every = model_steps;
      }
      Generator init(opt.seed);
      Players p = name == "mlp" ? mlp_gan(init) : dcgan(init);
      optim::Adam g_opt(p.g->parameters(), {.lr = lr, .betas = {0.5, 0.999}});
      optim::Adam d_opt(p.d->parameters(), {.lr = lr, .betas = {0.5, 0.999}});
      Generator fixed_gen(opt.seed + 7);
      const Tensor fixed = randn({64, kNoise}, fixed_gen);
      const std::string prefix = opt.out_dir + "/" + name;
      gan::GanOptions o{.objective = obj,
                        .steps = model_steps,
                        .batch_size = batch,
                        .noise_dim = kNoise,
                        .seed = opt.seed + 1000,
                        .log_every = std::max<std::int64_t>(1, log_every),
                        .log_path = prefix + "_log.jsonl",
                        .verbose = opt.quick ? 0 : 1};
      std::int64_t epoch = 0;
      // Once per epoch (log row): the fixed-noise grid and the epoch's FID.
      o.on_log = [&](gan::GanTrainer& t, const train::Logs& row) {
        ++epoch;
        const std::string png = prefix + "_epoch" + std::to_string(epoch) + ".png";
        gan::plot_image_grid(t.generate(fixed), png,
                             {.title = name + ", epoch " + std::to_string(epoch) + ", step " +
                                       std::to_string(t.steps_done())});
        const Measures m = measure(cnn, real, generate_pixels(t, n_measure, opt.seed + 11));
        std::printf("  %s epoch %lld (step %lld): d_loss %.3f, g_loss %.3f, FID %.3f -> %s\n",
                    name.c_str(), static_cast<long long>(epoch),
                    static_cast<long long>(t.steps_done()), row.at("d_loss"), row.at("g_loss"),
                    m.fid, png.c_str());
        return true;
      };
      gan::GanTrainer trainer(
          *p.g, *p.d, g_opt, d_opt,
          [&gan_images, n_images](std::int64_t n, Generator& gen) {
            return index_select(gan_images, 0, randint(0, n_images, {n}, gen));
          },
          o);
      const Measures before =
          measure(cnn, real, generate_pixels(trainer, n_measure, opt.seed + 11));
      std::printf("%s GAN (%s, batch %lld, Adam(%g, (0.5, 0.999))): %lld steps (%.2f epochs)\n",
                  name.c_str(), gan::objective_name(obj), static_cast<long long>(batch), lr,
                  static_cast<long long>(model_steps),
                  static_cast<double>(model_steps) / static_cast<double>(steps_per_epoch));
      const auto start = std::chrono::steady_clock::now();
      const gan::GanHistory h = trainer.train();
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (h.stopped) std::printf("%s\n", h.stop_reason.c_str());
      const Measures after = measure(cnn, real, generate_pixels(trainer, n_measure, opt.seed + 11));
      std::string hist;
      for (double f : after.fractions)
        hist += (hist.empty() ? "" : " ") + std::to_string(static_cast<int>(std::lround(1000 * f)));
      std::printf(
          "%s: FID %.3f -> %.3f (floor %.3f) on %lld samples; classes present %lld/10, entropy "
          "%.3f nats; class histogram (per mille, %s): %s; %.1f ms/step, %.1f s\n",
          name.c_str(), before.fid, after.fid, floor.fid, static_cast<long long>(n_measure),
          static_cast<long long>(after.classes_present), after.entropy,
          "T-shirt Trouser Pullover Dress Coat Sandal Shirt Sneaker Bag Boot", hist.c_str(),
          1000 * secs / static_cast<double>(model_steps), secs);
      gan::plot_image_grid(trainer.generate(fixed), prefix + "_final.png",
                           {.title = name + " GAN, final samples"});
      fid_before = before.fid;
      fid_after = after.fid;
      extras.push_back({name + " FID", after.fid});
      extras.push_back({name + " classes present", static_cast<double>(after.classes_present)});
      extras.push_back({name + " class entropy", after.entropy});
      extras.push_back({name + " ms per step", 1000 * secs / static_cast<double>(model_steps)});
    }
    extras.push_back({"real vs real FID", floor.fid});
    std::printf("total %.1f s; grids: %s/<model>_epoch<k>.png\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                opt.out_dir.c_str());
    char detail[200];
    std::snprintf(detail, sizeof detail, "FID real-vs-real floor %.3f, %lld samples", floor.fid,
                  static_cast<long long>(n_measure));
    examples::Outcome out{.example = opt.name,
                          .loss = "",
                          .family = "gan",
                          .metric = "FID in the Fashion CNN's features (" +
                                    std::string(model == "both" ? "dcgan" : model) + ")",
                          .before = fid_before,
                          .after = fid_after,
                          .higher_is_better = false,
                          .detail = detail};
    for (const auto& [k, v] : extras) out.extras[k] = v;
    return examples::report(out, opt);
  });
}
