// What the GAN examples share (examples/gan/<loss>.cpp, gan_study, bench/gan_bench): a GAN on a
// 2-D toy (data/toy2d.h) trained with one objective by train::gan::GanTrainer, and its measures
// (metrics/mode_coverage.h) before and after, with the picture of the final samples.
//
// The model is the reference work: G and D both ReLU MLPs 2-128-128-{2, 1} (PyTorch's
// default init), noise z ~ N(0, I_2), batch 256, Adam for both players. Per objective defaults
// (gan_toy_defaults) are documented at its definition; each can be changed by flags.
#pragma once

#include <cstdint>
#include <string>

#include "data/toy2d.h"
#include "examples/common/example.h"
#include "metrics/mode_coverage.h"
#include "train/gan/trainer.h"

namespace minidl::examples {

struct GanToyConfig {
  train::gan::Objective objective = train::gan::Objective::kNonSaturating;
  data::Toy2d toy = data::Toy2d::kRing8;
  std::int64_t steps = 5000;  // generator steps (full mode; non_saturating 12000, wgan_gp 8000)
  std::int64_t quick_steps = 1000;  // the examples' --quick budget (a few seconds on 2 cores)
  std::int64_t batch_size = 256;
  std::int64_t hidden = 128;
  std::string optimizer = "adam";  // or "rmsprop" (PyTorch's defaults: alpha 0.99, eps 1e-8)
  double lr = 1e-3;
  double beta1 = 0.5, beta2 = 0.999;  // Adam's
  std::int64_t n_critic = 1;
  double clip_value = 0;  // 0: the objective's default (WGAN 0.01)
  double gp_lambda = 0;   // 0: the objective's default (WGAN-GP 10)
  double r1_gamma = 0;
  double ema_decay = 0;  // > 0: sample and measure from an EMA of G's weights
  // In (0, 1): both players' lrs stay at lr for this share of the steps, then fall linearly to
  // lr * lr_final at the last step (OneCycleLR with div_factor 1, linear, no momentum cycle);
  // 0: constant lr.
  double lr_decay_start = 0;
  double lr_final = 0.1;
  std::uint64_t seed = 0;
  std::int64_t eval_samples = 2000;
  std::string out_dir = "";  // log.jsonl and samples.png there when set
  int verbose = 0;
};

// The documented hyper-parameters of each objective on the toys (see gan_toy.cpp).
GanToyConfig gan_toy_defaults(train::gan::Objective objective);

struct GanToyResult {
  metrics::ModeCoverage before, after;  // on eval_samples samples, initial vs final generator
  double ms_per_step = 0;               // training wall time / steps
  bool stopped = false;                 // stopped by a NaN
  std::string stop_reason;
  Tensor samples;  // the final eval samples [eval_samples, 2]
  Tensor critic;   // D's values on a 121 x 121 grid over [-3, 3]^2 (for the picture)
};

GanToyResult train_gan_toy(const GanToyConfig& config);

// main() of one loss's example: flags (standard + --toy --batch --lr --n-critic ...), training
// on the toy with `objective`, the picture, and examples::report with modes covered before ->
// after. Quick mode: fewer steps, a few seconds.
struct GanExample {
  std::string name;  // program name = the loss's registry name
  train::gan::Objective objective;
  std::string description;  // the --help line
  double r1_gamma = 0;      // > 0: replaces the objective's default (the r1_penalty example's 1)
  // Report the share of high-quality samples instead of the modes covered (the weight-clipped
  // WGAN first pulls its mass towards the ring and separates the modes only thousands of steps
  // later, so its quick run covers none yet; both figures are printed either way).
  bool report_high_quality = false;
};
int gan_toy_main(int argc, char** argv, const GanExample& example);

}  // namespace minidl::examples
