// The GAN trainer's loop and checkpoints; the algorithm is written out in trainer.h.
#include "train/gan/trainer.h"

#include <array>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>

#include "autograd/functional.h"
#include "autograd/profiler.h"
#include "autograd/scope.h"
#include "autograd/tape.h"
#include "nn/safetensors.h"
#include "optim/clip.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/random.h"
#include "train/metric_log.h"
#include "train/progress.h"

namespace minidl::train::gan {
namespace {

constexpr const char* kFormat = "minidl-gan-checkpoint";
constexpr const char* kVersion = "1";
constexpr double kNoClip = std::numeric_limits<double>::infinity();

// Turns requires_grad off on every parameter of a module for a scope and restores each flag, so
// the generator's backward computes no gradient for the discriminator's weights.
class Freeze {
 public:
  explicit Freeze(nn::Module& m) : params_(m.parameters()) {
    for (Variable& p : params_) {
      flags_.push_back(p.requires_grad());
      p.set_requires_grad(false);
    }
  }
  ~Freeze() {
    for (std::size_t i = 0; i < params_.size(); ++i) params_[i].set_requires_grad(flags_[i]);
  }
  Freeze(const Freeze&) = delete;
  Freeze& operator=(const Freeze&) = delete;

 private:
  std::vector<Variable> params_;
  std::vector<bool> flags_;
};

void put(nn::StateDict& out, const std::string& prefix, const nn::StateDict& part) {
  for (const auto& [k, v] : part) out[prefix + k] = v;
}

DType param_dtype(const nn::Module& m) {
  const std::vector<Variable> ps = m.parameters();
  return ps.empty() ? kFloat32 : ps.front().dtype();
}

}  // namespace

std::vector<double> GanHistory::series(const std::string& key) const {
  std::vector<double> out;
  for (const Logs& row : rows) {
    auto it = row.find(key);
    out.push_back(it == row.end() ? std::nan("") : it->second);
  }
  return out;
}

GanTrainer::GanTrainer(nn::Module& generator, nn::Module& discriminator,
                       optim::Optimizer& g_optimizer, optim::Optimizer& d_optimizer,
                       RealSampler sample_real, const GanOptions& options)
    : g_(generator),
      d_(discriminator),
      g_opt_(g_optimizer),
      d_opt_(d_optimizer),
      sample_real_(std::move(sample_real)),
      options_(options),
      rng_(options.seed) {
  const GanOptions& o = options_;
  MINIDL_CHECK(static_cast<bool>(sample_real_), "gan: no real sampler given");
  MINIDL_CHECK(
      o.steps >= 0 && o.batch_size >= 1 && o.noise_dim >= 1 && o.n_critic >= 1 && o.log_every >= 1,
      "gan: need steps >= 0, batch_size, noise_dim, n_critic and log_every >= 1, got ", o.steps,
      ", ", o.batch_size, ", ", o.noise_dim, ", ", o.n_critic, ", ", o.log_every);
  MINIDL_CHECK(o.clip_value >= 0 && o.gp_lambda >= 0 && o.r1_gamma >= 0, "gan: clip_value (",
               o.clip_value, "), gp_lambda (", o.gp_lambda, ") and r1_gamma (", o.r1_gamma,
               ") must be >= 0");
  MINIDL_CHECK(o.ema_decay >= 0 && o.ema_decay < 1, "gan: ema_decay must be in [0, 1), got ",
               o.ema_decay);
  MINIDL_CHECK(o.checkpoint_every >= 0 && o.checkpoint_every % o.log_every == 0,
               "gan: ", "checkpoint_every (", o.checkpoint_every,
               ") must be a multiple of log_every (", o.log_every, ")");
  // The objectives' usual regularisers when none is set: WGAN's clip and WGAN-GP's lambda.
  if (o.objective == Objective::kWgan && o.clip_value == 0) options_.clip_value = 0.01;
  if (o.objective == Objective::kWganGp && o.gp_lambda == 0) options_.gp_lambda = 10.0;
  if (options_.ema_decay > 0)
    for (const auto& [name, p] : g_.named_parameters()) ema_[name] = p.value().clone();
  // Two concurrent forwards of a D with buffers or random streams would update them in a racy
  // order; both penalties differentiate D at points that mix real and fake.
  branches_ = options_.side_by_side && options_.gp_lambda == 0 && options_.r1_gamma == 0 &&
              d_.named_buffers().empty() && d_.generator_states().empty();
  // Halves need a batch that two cuts leave non-empty and layers that keep samples apart.
  g_halves_ = branches_ && options_.batch_size >= 2 && g_.samplewise();
  step_halves_ = g_halves_ && d_.samplewise();
}

std::array<Generator, 2> GanTrainer::noise_halves(std::int64_t b, std::int64_t h) {
  const auto first = rng_.reserve(static_cast<std::uint64_t>(b * options_.noise_dim));
  std::array<Generator, 2> gens;
  gens[0].set_state(rng_.seed(), first);
  gens[1].set_state(rng_.seed(), first + static_cast<std::uint64_t>(h * options_.noise_dim));
  return gens;
}

Tensor GanTrainer::fakes_for_d(std::int64_t b, bool split) {
  NoGradGuard no_grad;  // the fakes are constants for D's step: no tape through G
  if (!split) return g_(Variable(noise(b, rng_))).value();
  const std::int64_t h = b / 2, rows[2] = {h, b - h};
  std::array<Generator, 2> gens = noise_halves(b, h);
  Tensor out[2];
  auto half = [&](int i) {
    SerialScope one_core;
    NoGradGuard off;  // grad mode is per thread
    out[i] = g_(Variable(noise(rows[i], gens[i]))).value();
  };
  parallel_invoke([&] { half(0); }, [&] { half(1); });
  return concat({out[0], out[1]}, 0);
}

Tensor GanTrainer::noise(std::int64_t n, Generator& gen) const {
  return randn({n, options_.noise_dim}, gen, param_dtype(g_));
}

Tensor GanTrainer::generate(const Tensor& z) {
  NoGradGuard no_grad;
  const bool was_training = g_.is_training();
  g_.eval();
  Tensor out;
  if (ema_.empty()) {
    out = g_(Variable(z)).value();
  } else {
    const nn::StateDict live = g_.state_dict();
    g_.load_state_dict(ema_, /*strict=*/false);
    try {
      out = g_(Variable(z)).value();
    } catch (...) {
      g_.load_state_dict(live);
      g_.train(was_training);
      throw;
    }
    g_.load_state_dict(live);
  }
  g_.train(was_training);
  return out;
}

Tensor GanTrainer::discriminate(const Tensor& x) {
  NoGradGuard no_grad;
  const bool was_training = d_.is_training();
  d_.eval();
  Tensor out = d_(Variable(x)).value();
  d_.train(was_training);
  return out;
}

// One discriminator step; adds its values to acc and returns L_D.
double GanTrainer::discriminator_step(Logs& acc, bool measure) {
  const ProfileScope step("d_step", ProfileKind::kStep);  // autograd/profiler.h (when one runs)
  const std::int64_t b = options_.batch_size;
  const Variable real(sample_real_(b, rng_));
  d_.zero_grad();
  Variable d_real, d_fake;
  double d_loss = 0, penalty = 0;
  // A forward hook is per thread (nn/module.h): with one set, the step's forwards run on this
  // thread, whole, so that the hook sees every one of them.
  const bool hook = nn::forward_hook_set();
  if (branches_ && !hook) {
    d_loss = discriminator_branches(real, d_real, d_fake).item();
  } else {
    const Variable fake(fakes_for_d(b, g_halves_ && !hook));
    d_real = d_(real);
    d_fake = d_(fake);
    Variable loss = [&] {
      NameScope scope("d_loss");  // groups the loss's nodes in print_tape and the DOT export
      return discriminator_loss(options_.objective, d_real, d_fake, options_.lsgan);
    }();
    d_loss = loss.item();
    const losses::Critic critic = [this](const Variable& x) { return d_(x); };
    if (options_.gp_lambda > 0) {
      const Variable gp = losses::wgan_gradient_penalty(critic, real, fake, rng_);
      penalty += gp.item();
      loss = loss + gp * options_.gp_lambda;
    }
    if (options_.r1_gamma > 0) {
      const Variable r1 = losses::r1_penalty(critic, real);
      penalty += r1.item();
      loss = loss + r1 * (options_.r1_gamma / 2);
    }
    backward(loss);
  }
  if (measure) acc["d_grad_norm"] += optim::clip_grad_norm_(d_.parameters(), kNoClip);
  d_opt_.step();
  if (options_.d_scheduler) options_.d_scheduler->step();
  if (options_.clip_value > 0) {
    const double c = options_.clip_value;
    for (Variable& p : d_.parameters()) p.value().copy_(clamp(p.value(), -c, c));
  }
  const double mr = mean(d_real.value()).item(), mf = mean(d_fake.value()).item();
  acc["d_loss"] += d_loss;
  acc["penalty"] += penalty;
  acc["d_real"] += mr;
  acc["d_fake"] += mf;
  acc["wasserstein"] += mr - mf;
  return d_loss;
}

// G(z) first, without recording (fakes_for_d: in two halves, or on both cores); then branch "real"
// records d(x) on tape_a_ and branch "fake" d(x~) on tape_b_, as two tasks, each on one core
// (SerialScope). L_D is computed here on stand-ins for d(x) and d(x~) (leaves holding the same
// tensors), and grad() gives the seeds; each branch then differentiates its own output with its
// seed inside its own TapeScope, and D's .grad becomes fake + real, as backward(L_D) would have
// accumulated them (fake's nodes come later on the tape, so they are reached first).
Variable GanTrainer::discriminator_branches(const Variable& real, Variable& d_real,
                                            Variable& d_fake) {
  const Variable fake(fakes_for_d(real.shape()[0], g_halves_));
  parallel_invoke(
      [&] {
        TapeScope scope(tape_a_);
        SerialScope one_core;
        EnableGradGuard on(true);
        d_real = d_(real);
      },
      [&] {
        TapeScope scope(tape_b_);
        SerialScope one_core;
        EnableGradGuard on(true);
        d_fake = d_(fake);
      });
  const Variable r(d_real.value(), true), f(d_fake.value(), true);
  const Variable loss = [&] {
    NameScope scope("d_loss");
    return discriminator_loss(options_.objective, r, f, options_.lsgan);
  }();
  const std::vector<Variable> seeds = grad({loss}, {r, f}, {.allow_unused = true});
  // D's gradient is fake's + real's: fake's nodes come later on the tape, so backward(L_D) reaches
  // them first.
  branch_gradients(d_, d_fake, seeds[1], d_real, seeds[0]);
  return loss;
}

// Each branch's output seeded and walked inside its own tape's scope on one core (tape_b_ for
// b_out, tape_a_ for a_out, side by side); every trainable parameter of m gets b's + a's.
void GanTrainer::branch_gradients(nn::Module& m, const Variable& b_out, const Variable& b_seed,
                                  const Variable& a_out, const Variable& a_seed) {
  std::vector<Variable> params;
  for (const Variable& p : m.parameters())
    if (p.requires_grad()) params.push_back(p);
  auto branch = [&params](BranchTape& tape, const Variable& out, const Variable& seed) {
    TapeScope scope(tape);
    SerialScope one_core;
    return grad({out}, params,
                {.grad_outputs = {seed}, .allow_unused = true, .undefined_unused = true});
  };
  std::vector<Variable> from_a, from_b;
  parallel_invoke([&] { from_a = branch(tape_a_, a_out, a_seed); },
                  [&] { from_b = branch(tape_b_, b_out, b_seed); });
  for (std::size_t i = 0; i < params.size(); ++i) {
    for (const Variable& g : {from_b[i], from_a[i]}) {
      if (!g.defined()) continue;
      const Variable have = params[i].grad();
      params[i].set_grad(have.defined() ? Variable(add(have.value(), g.value())) : g);
    }
  }
}

// G's step in two halves of the batch (step_halves_): each branch draws its rows of the noise
// (noise_halves), runs d(G(z)) on its own tape and core; L_G is computed here on a stand-in for the
// joined outputs, and each branch differentiates its half with its rows of the seed. G's gradient
// is the first half's plus the second's: the same terms as one pass over the batch, summed in
// another order.
Variable GanTrainer::generator_halves(std::int64_t b) {
  const std::int64_t h = b / 2, rows[2] = {h, b - h};
  std::array<Generator, 2> gens = noise_halves(b, h);
  // Only the relativistic objective looks at D(real): a constant here (D is frozen, x is data).
  Variable d_real;
  if (options_.objective == Objective::kRelativistic)
    d_real = Variable(d_(Variable(sample_real_(b, rng_))).value());
  BranchTape* tapes[2] = {&tape_a_, &tape_b_};
  Variable out[2];
  auto half = [&](int i) {
    TapeScope scope(*tapes[i]);
    SerialScope one_core;
    EnableGradGuard on(true);
    out[i] = d_(g_(Variable(noise(rows[i], gens[i]))));
  };
  parallel_invoke([&] { half(0); }, [&] { half(1); });
  const Variable f(concat({out[0].value(), out[1].value()}, 0), true);
  const Variable loss = [&] {
    NameScope scope("g_loss");
    return generator_loss(options_.objective, d_real.defined() ? d_real : f, f, options_.lsgan);
  }();
  const Tensor seed = grad({loss}, {f})[0].value();
  branch_gradients(g_, out[1], Variable(seed.narrow_rows(h, b - h)), out[0],
                   Variable(seed.narrow_rows(0, h)));
  return loss;
}

void GanTrainer::generator_step(Logs& acc, bool measure) {
  const ProfileScope step("g_step", ProfileKind::kStep);
  const std::int64_t b = options_.batch_size;
  g_.zero_grad();
  Variable loss;
  if (step_halves_ && !nn::forward_hook_set()) {
    Freeze frozen(d_);
    loss = generator_halves(b);
  } else {
    Freeze frozen(d_);
    const Variable fake = g_(Variable(noise(b, rng_)));
    const Variable d_fake = d_(fake);
    // Only the relativistic objective looks at D(real) in G's loss; the others skip the draw.
    const Variable d_real = options_.objective == Objective::kRelativistic
                                ? d_(Variable(sample_real_(b, rng_)))
                                : d_fake;
    {
      NameScope scope("g_loss");
      loss = generator_loss(options_.objective, d_real, d_fake, options_.lsgan);
    }
    backward(loss);
  }
  acc["g_loss"] = loss.item();
  if (measure) acc["g_grad_norm"] = optim::clip_grad_norm_(g_.parameters(), kNoClip);
  g_opt_.step();
  if (options_.g_scheduler) options_.g_scheduler->step();
  if (options_.ema_decay > 0) update_ema();
}

void GanTrainer::update_ema() {
  const double d = options_.ema_decay;
  for (const auto& [name, p] : g_.named_parameters()) {
    Tensor& e = ema_.at(name);
    mul_(e, d);
    add_(e, p.value(), 1.0 - d);
  }
}

Logs GanTrainer::step(bool grad_norms) {
  g_.train();
  d_.train();
  Logs acc;
  for (std::int64_t k = 0; k < options_.n_critic; ++k) discriminator_step(acc, grad_norms);
  for (auto& [key, v] : acc) v /= static_cast<double>(options_.n_critic);
  generator_step(acc, grad_norms);
  ++steps_done_;
  return acc;
}

GanHistory GanTrainer::train() {
  if (!options_.resume_from.empty()) load_checkpoint(options_.resume_from);
  GanHistory history;
  Progress progress(
      {.verbose = options_.verbose, .out = options_.progress_out, .tty = options_.progress_tty});
  std::vector<Logs> rows;  // the whole log file (rows before a resume kept)
  if (!options_.log_path.empty() && steps_done_ > 0 && std::filesystem::exists(options_.log_path)) {
    for (const Logs& r : read_metric_log(options_.log_path))
      if (r.count("step") && r.at("step") <= static_cast<double>(steps_done_)) rows.push_back(r);
  }
  const std::int64_t total_rows = (options_.steps + options_.log_every - 1) / options_.log_every;
  while (steps_done_ < options_.steps && !history.stopped) {
    const std::int64_t row_index = steps_done_ / options_.log_every;
    const std::int64_t n = std::min(options_.log_every, options_.steps - steps_done_);
    progress.begin_epoch(row_index + 1, total_rows, n);
    const auto start = std::chrono::steady_clock::now();
    Logs sum, norms;
    std::int64_t done = 0;
    for (; done < n; ++done) {
      // The gradient norms cost a pass over every gradient: measured on the row's last step.
      const Logs s = step(done + 1 == n);
      for (const auto& [k, v] : s) (k == "d_grad_norm" || k == "g_grad_norm" ? norms : sum)[k] += v;
      for (const char* key : {"d_loss", "g_loss"}) {
        if (!std::isfinite(s.at(key)) && !history.stopped) {
          history.stopped = true;
          const double v = s.at(key);
          history.stop_reason = "gan: " + std::string(key) + " is " +
                                (std::isnan(v) ? std::string("nan") : std::to_string(v)) +
                                " at step " + std::to_string(steps_done_) +
                                ", training stopped (TerminateOnNaN)";
        }
      }
      if (history.stopped) {
        ++done;
        break;
      }
      progress.batch(done, sum["g_loss"] / static_cast<double>(done + 1));
    }
    Logs row;
    for (const auto& [k, v] : sum) row[k] = v / static_cast<double>(done);
    if (norms.empty()) {  // stopped before the row's last step: the norms of the last one
      norms["d_grad_norm"] = optim::clip_grad_norm_(d_.parameters(), kNoClip);
      norms["g_grad_norm"] = optim::clip_grad_norm_(g_.parameters(), kNoClip);
    }
    for (const auto& [k, v] : norms) row[k] = v;
    row["epoch"] = static_cast<double>(row_index);
    row["step"] = static_cast<double>(steps_done_);
    row["loss"] = row["g_loss"];
    row["seconds"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    progress.end_epoch(row);
    rows.push_back(row);
    history.rows.push_back(row);
    if (!options_.log_path.empty()) write_metric_log(options_.log_path, rows);
    if (history.stopped) {
      progress.message(history.stop_reason);
      break;
    }
    if (!options_.checkpoint_path.empty() && options_.checkpoint_every > 0 &&
        steps_done_ % options_.checkpoint_every == 0)
      save_checkpoint(options_.checkpoint_path);
    if (options_.on_log && !options_.on_log(*this, row)) {
      history.stopped = true;
      history.stop_reason = "gan: stopped by on_log at step " + std::to_string(steps_done_);
    }
  }
  return history;
}

void GanTrainer::save_checkpoint(const std::string& path) const {
  nn::StateDict all;
  all["train.step"] = optim::int_entry(steps_done_);
  all["train.rng"] = from_vector(std::vector<std::int64_t>{
      static_cast<std::int64_t>(rng_.seed()), static_cast<std::int64_t>(rng_.offset())});
  put(all, "generator.", g_.state_dict());
  put(all, "discriminator.", d_.state_dict());
  put(all, "generator_rng.", g_.generator_states());
  put(all, "discriminator_rng.", d_.generator_states());
  put(all, "g_optimizer.", g_opt_.state_dict());
  put(all, "d_optimizer.", d_opt_.state_dict());
  if (options_.g_scheduler) put(all, "g_scheduler.", options_.g_scheduler->state_dict());
  if (options_.d_scheduler) put(all, "d_scheduler.", options_.d_scheduler->state_dict());
  put(all, "ema.", ema_);
  nn::save_safetensors(
      path, all,
      {{"format", kFormat}, {"version", kVersion}, {"step", std::to_string(steps_done_)}});
}

void GanTrainer::load_checkpoint(const std::string& path) {
  nn::SafetensorsContents c = nn::load_safetensors(path);
  auto fmt = c.metadata.find("format");
  auto ver = c.metadata.find("version");
  MINIDL_CHECK(fmt != c.metadata.end() && fmt->second == kFormat && ver != c.metadata.end() &&
                   ver->second == kVersion,
               "gan: load_checkpoint: '", path, "' is not a minidl GAN checkpoint (version ",
               kVersion, ")");
  const nn::StateDict& all = c.tensors;
  // Everything loadable, so that a failed load changes nothing.
  const nn::StateDict g_old = g_.state_dict(), d_old = d_.state_dict(), ema_old = ema_;
  const nn::StateDict g_rng_old = g_.generator_states(), d_rng_old = d_.generator_states();
  const optim::StateDict go_old = g_opt_.state_dict(), do_old = d_opt_.state_dict();
  const optim::StateDict gs_old =
      options_.g_scheduler ? options_.g_scheduler->state_dict() : optim::StateDict{};
  const optim::StateDict ds_old =
      options_.d_scheduler ? options_.d_scheduler->state_dict() : optim::StateDict{};
  try {
    const std::string who = "gan checkpoint";
    const std::int64_t step = optim::read_int(all, "train.step", who);
    auto rng = all.find("train.rng");
    MINIDL_CHECK(rng != all.end() && rng->second.dtype() == kInt64 && rng->second.numel() == 2,
                 "train.rng must be int64 [2]");
    g_.load_state_dict(optim::strip_prefix(all, "generator."));
    d_.load_state_dict(optim::strip_prefix(all, "discriminator."));
    g_.load_generator_states(optim::strip_prefix(all, "generator_rng."));
    d_.load_generator_states(optim::strip_prefix(all, "discriminator_rng."));
    g_opt_.load_state_dict(optim::strip_prefix(all, "g_optimizer."));
    d_opt_.load_state_dict(optim::strip_prefix(all, "d_optimizer."));
    if (options_.g_scheduler)
      options_.g_scheduler->load_state_dict(optim::strip_prefix(all, "g_scheduler."));
    if (options_.d_scheduler)
      options_.d_scheduler->load_state_dict(optim::strip_prefix(all, "d_scheduler."));
    nn::StateDict ema = optim::strip_prefix(all, "ema.");
    MINIDL_CHECK(ema.size() == ema_.size(), "the EMA has ", ema.size(), " tensors, this run ",
                 ema_.size(), " (is ema_decay the same?)");
    for (auto& [k, v] : ema_) {
      auto it = ema.find(k);
      MINIDL_CHECK(
          it != ema.end() && it->second.shape() == v.shape() && it->second.dtype() == v.dtype(),
          "ema.", k, " missing or of another shape or dtype");
    }
    ema_ = std::move(ema);
    const auto* r = rng->second.data<std::int64_t>();
    rng_.set_state(static_cast<std::uint64_t>(r[0]), static_cast<std::uint64_t>(r[1]));
    steps_done_ = step;
  } catch (const std::exception& e) {
    g_.load_state_dict(g_old);
    d_.load_state_dict(d_old);
    g_.load_generator_states(g_rng_old);
    d_.load_generator_states(d_rng_old);
    g_opt_.load_state_dict(go_old);
    d_opt_.load_state_dict(do_old);
    if (options_.g_scheduler) options_.g_scheduler->load_state_dict(gs_old);
    if (options_.d_scheduler) options_.d_scheduler->load_state_dict(ds_old);
    ema_ = ema_old;
    MINIDL_FAIL("gan: load_checkpoint: '", path, "': ", e.what());
  }
}

}  // namespace minidl::train::gan
