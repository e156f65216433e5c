// The GAN trainer (layer 4, train/gan/): two players, two optimizers, one short loop to read.
//
//   auto G = examples::mlp({2, 128, 128, 2}, gen), D = examples::mlp({2, 128, 128, 1}, gen);
//   optim::Adam g_opt(G->parameters(), {.lr = 1e-3, .betas = {0.5, 0.999}});
//   optim::Adam d_opt(D->parameters(), {.lr = 1e-3, .betas = {0.5, 0.999}});
//   train::gan::GanTrainer t(*G, *D, g_opt, d_opt, sample_ring,
//                            {.objective = train::gan::Objective::kNonSaturating,
//                             .steps = 5000, .log_path = "out/gan.jsonl"});
//   t.train();
//   Tensor x = t.sample(2000, gen);   // from the EMA generator when ema_decay > 0
//
// One iteration (a "step" counts generator updates, as the papers count iterations):
//   repeat n_critic times (the discriminator's steps):
//     x = sample_real(B, rng); z ~ N(0, I) [B, noise_dim]; x~ = G(z) without recording (detached)
//     L_D = discriminator_loss(d(x), d(x~)) + gp_lambda GP(x, x~) + (r1_gamma / 2) R1(x)
//     D.zero_grad; backward(L_D); d_opt.step(); d_scheduler.step()
//     (side_by_side: G(z) first (in two halves of the batch, one per core, when G is samplewise:
//     the same rows), then d(x) and d(x~) as two tasks on BranchTapes, autograd/tape.h; the seeds
//     dL_D/dd(x) and dL_D/dd(x~) come from the loss on this thread, each branch's grad() runs in
//     its own task, and D's gradient is the fake branch's plus the real branch's, the order
//     backward(L_D) adds them in: the same bits as one after the other)
//     clip_value > 0: every weight of D clamped to [-clip_value, clip_value] (WGAN)
//   z ~ N(0, I); with D frozen (requires_grad off, so no D weight gradient is computed):
//     L_G = generator_loss(d(x), d(G(z)))   (d(x) only for the relativistic objective)
//     G.zero_grad; backward(L_G); g_opt.step(); g_scheduler.step()
//     (side_by_side with G and D both nn::Module::samplewise(): d(G(z)) for each half of the batch
//     as two tasks, L_G on their joined outputs, and G's gradient the first half's plus the
//     second's: the same terms, summed in another order, so the last bits differ from one pass)
//   ema_decay > 0: ema <- ema_decay ema + (1 - ema_decay) w for every G parameter
//
// All randomness (real batches, noise, the penalty's eps) comes from one Generator seeded with
// `seed` and saved in checkpoints, so a run resumed from a checkpoint continues with the same
// bits as a run that never stopped (same machine, same thread count; trainer_test.cpp).
//
// Log rows (JSON Lines through train/metric_log.h, one every log_every steps, means over those
// steps): "d_loss", "g_loss", "wasserstein" (mean D(real) - mean D(fake), the critic's estimate
// of W1 for the Wasserstein objectives), "penalty" (GP or R1 before its weight, 0 if none),
// "d_grad_norm" / "g_grad_norm" (L2 over all parameters, before the step; measured on the last
// step of each row only, the mean of its n_critic D steps, as the pass over every gradient costs
// as much as an optimizer step), "d_real" / "d_fake" (mean raw outputs), "step", "seconds", and
// "loss" = g_loss so that `minidl plot` draws it.
// A non-finite loss stops training with a message (TerminateOnNaN).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "autograd/tape.h"
#include "nn/module.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"
#include "train/callbacks.h"
#include "train/gan/objective.h"

namespace minidl::train::gan {

// A batch of n real samples [n, ...], drawn from gen (a dataset sampler or a generated toy).
using RealSampler = std::function<Tensor(std::int64_t n, Generator& gen)>;

class GanTrainer;

struct GanOptions {
  Objective objective = Objective::kNonSaturating;
  std::int64_t steps = 1000;      // generator steps in total (a resumed run continues to it)
  std::int64_t batch_size = 256;  // real and fake samples per step
  std::int64_t noise_dim = 2;     // z ~ N(0, I) of this size
  std::int64_t n_critic = 1;      // discriminator steps per generator step
  double clip_value = 0;          // > 0: WGAN weight clipping of D after each of its steps
  double gp_lambda = 0;           // > 0: + gp_lambda * wgan_gradient_penalty in L_D
  double r1_gamma = 0;            // > 0: + (r1_gamma / 2) * r1_penalty in L_D
  losses::LsganOptions lsgan = {};
  // D(real) beside D(fake), each on one core (after G's forward), when D's forward changes
  // nothing (no buffers, e.g. BatchNorm's or spectral norm's, and no random stream such as
  // Dropout's) and no penalty mixes the two (gp_lambda = r1_gamma = 0), and no forward hook is
  // set on the calling thread; otherwise, or false, one after the other. The same bits either
  // way (trainer_test.cpp). A custom D module that changes other state in its forward (a
  // counter, a cache) must set this to false.
  // With it, when G is nn::Module::samplewise() (batch_size >= 2), D's fakes are G's forward on
  // each half of the batch, one per core, and when D is samplewise too, G's step runs as two
  // halves whose gradients are added (generator_halves_active()). Halves give the same bits on
  // any thread count, and agree with one pass over the whole batch within rounding (a product
  // on half the rows may round its rows differently, and G's gradient adds the same terms in
  // another order).
  bool side_by_side = true;
  double ema_decay = 0;                       // > 0: keep an EMA of G's weights (0.999 is usual)
  optim::LRScheduler* g_scheduler = nullptr;  // stepped after every G step
  optim::LRScheduler* d_scheduler = nullptr;  // stepped after every D step
  std::uint64_t seed = 0;
  std::int64_t log_every = 100;       // steps per log row
  std::string log_path = "";          // JSON Lines metric log, "" for none
  std::string checkpoint_path = "";   // written every checkpoint_every steps, "" for none
  std::int64_t checkpoint_every = 0;  // a multiple of log_every (rows are whole)
  std::string resume_from = "";       // a checkpoint of this trainer to continue from
  // Called after each log row (e.g. to draw samples from fixed noise); may stop training by
  // returning false.
  std::function<bool(GanTrainer& trainer, const Logs& row)> on_log = {};
  int verbose = 1;                       // 0 silent, 1 bar on a terminal, 2 plain lines
  std::ostream* progress_out = nullptr;  // default std::cout
  int progress_tty = -1;
};

struct GanHistory {
  std::vector<Logs> rows;  // every log row of this run
  bool stopped = false;    // stopped early (NaN, or on_log returned false)
  std::string stop_reason = "";
  std::vector<double> series(const std::string& key) const;
};

class GanTrainer {
 public:
  GanTrainer(nn::Module& generator, nn::Module& discriminator, optim::Optimizer& g_optimizer,
             optim::Optimizer& d_optimizer, RealSampler sample_real, const GanOptions& options);

  // Runs until options.steps generator steps are done (loading resume_from first).
  GanHistory train();
  // One iteration (n_critic D steps and one G step); returns its values (the log keys, the
  // gradient norms only when grad_norms).
  Logs step(bool grad_norms = true);

  std::int64_t steps_done() const { return steps_done_; }
  Generator& rng() { return rng_; }
  const GanOptions& options() const { return options_; }
  // Whether D's step runs D(real) beside D(fake) (GanOptions::side_by_side, when D qualifies).
  bool side_by_side_active() const { return branches_; }
  // Whether G's step runs as two halves of the batch (side_by_side, D qualifies, and G and D are
  // nn::Module::samplewise()).
  bool generator_halves_active() const { return step_halves_; }

  // z ~ N(0, I) [n, noise_dim] from gen.
  Tensor noise(std::int64_t n, Generator& gen) const;
  // G(z) in eval mode without recording, with the EMA weights when ema_decay > 0.
  Tensor generate(const Tensor& z);
  Tensor sample(std::int64_t n, Generator& gen) { return generate(noise(n, gen)); }
  // D's raw outputs on x in eval mode without recording.
  Tensor discriminate(const Tensor& x);
  // The EMA weights (G's parameter names), empty without EMA.
  const nn::StateDict& ema() const { return ema_; }

  // Both players, both optimizers and schedulers, the EMA, the step count and the random state,
  // one safetensors file written atomically (the format of train/checkpoint.h with the keys
  // generator.*, discriminator.*, g_optimizer.*, d_optimizer.*, g_scheduler.*, d_scheduler.*,
  // ema.*, train.step, train.rng). Loading is all or nothing.
  void save_checkpoint(const std::string& path) const;
  void load_checkpoint(const std::string& path);

 private:
  double discriminator_step(Logs& acc, bool measure);
  // D(real) and D(fake) as two branches (options.side_by_side and D qualifies); returns L_D.
  Variable discriminator_branches(const Variable& real, Variable& d_real, Variable& d_fake);
  // G(z) for D's step, z drawn from rng_ (in two halves, one per core, when split).
  Tensor fakes_for_d(std::int64_t b, bool split);
  // Reserves the counters noise(b, rng_) would use; returns generators at its row 0 and row h.
  std::array<Generator, 2> noise_halves(std::int64_t b, std::int64_t h);
  // Seeds two branches' outputs and adds their gradients into m's parameters' .grad (b's first).
  void branch_gradients(nn::Module& m, const Variable& b_out, const Variable& b_seed,
                        const Variable& a_out, const Variable& a_seed);
  // G's step over two halves of the batch (step_halves_); returns L_G.
  Variable generator_halves(std::int64_t b);
  void generator_step(Logs& acc, bool measure);
  void update_ema();

  nn::Module& g_;
  nn::Module& d_;
  optim::Optimizer& g_opt_;
  optim::Optimizer& d_opt_;
  RealSampler sample_real_;
  GanOptions options_;
  Generator rng_;
  nn::StateDict ema_;
  std::int64_t steps_done_ = 0;
  bool branches_ = false;       // side_by_side allowed and D's forward changes no state
  bool g_halves_ = false;       // and G is samplewise: D's fakes come from two halves
  bool step_halves_ = false;    // and D is samplewise too: G's step runs in two halves
  BranchTape tape_a_, tape_b_;  // the two branches' (D(real) and D(fake), or the two halves)
};

}  // namespace minidl::train::gan
