// Learning-rate schedules over an Optimizer (PyTorch's torch.optim.lr_scheduler names and
// semantics). Call step() once per epoch or once per batch, as you choose; the schedule counts
// steps, not epochs. A scheduler keeps a reference to its optimizer, which must outlive it.
//
// As in PyTorch, constructing a scheduler applies step 0 (the group lrs become lr_at(g, 0)), and
// the k-th step() applies step k: last_step() is PyTorch's last_epoch. The base lr of each group is
// its lr when the scheduler is constructed. The schedules below are written in closed form,
//   lr_g(t) = f(base_lr_g, t),
// where PyTorch updates most of them recursively from the current lr (its "chainable" form). Both
// give the same values up to rounding (the tests compare with PyTorch to 1e-12), but the closed
// form overwrites an lr changed by hand between steps instead of continuing from it.
//
// state_dict(): kind.<name> (int64 [1], format version), hyper (float64, checked on load),
// last_step (int64 [1]), base_lrs (float64 [groups]), plus each schedule's own counters. Load the
// optimizer's state too (it holds the current lrs); the order of the two loads does not matter.
//
// ReduceLROnPlateau is driven by a metric, not by the step count: it has its own step(metric).
// Implementations: schedule.cpp (base, step, multistep, exponential, cosine, warmup),
// one_cycle.cpp and plateau.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "optim/optimizer.h"

namespace minidl::optim {

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  const std::string& name() const { return name_; }
  Optimizer& optimizer() const { return optimizer_; }
  // Advances one step and sets every group's lr (OneCycleLR: and momentum).
  void step();
  std::int64_t last_step() const { return last_step_; }
  // The lrs set by the last step (or by construction), one per group.
  const std::vector<double>& last_lr() const { return last_lr_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  // The lr of `group` at step t, without changing anything.
  virtual double lr_at(std::size_t group, std::int64_t t) const = 0;

  virtual StateDict state_dict() const;
  virtual void load_state_dict(const StateDict& state);

 protected:
  LRScheduler(std::string name, std::string kind, Optimizer& optimizer);
  // Derived constructors call this last: applies step 0.
  void start();
  // Sets the optimizer's values for step t.
  virtual void apply(std::int64_t t);
  virtual std::vector<std::pair<std::string, double>> hyper_parameters() const = 0;

  std::vector<double> base_lrs_;

 private:
  friend class LinearWarmup;
  std::string name_;
  std::string kind_;
  Optimizer& optimizer_;
  std::int64_t last_step_ = 0;
  std::vector<double> last_lr_;
};

// lr = base_lr * gamma^floor(t / step_size).
struct StepLROptions {
  std::int64_t step_size = 0;  // required, > 0
  double gamma = 0.1;
};
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, const StepLROptions& options);
  double lr_at(std::size_t group, std::int64_t t) const override;

 protected:
  std::vector<std::pair<std::string, double>> hyper_parameters() const override;

 private:
  StepLROptions options_;
};

// lr = base_lr * gamma^(number of milestones <= t); a milestone listed twice counts twice, and the
// order does not matter (PyTorch's Counter).
struct MultiStepLROptions {
  std::vector<std::int64_t> milestones = {};
  double gamma = 0.1;
};
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, const MultiStepLROptions& options);
  double lr_at(std::size_t group, std::int64_t t) const override;

 protected:
  std::vector<std::pair<std::string, double>> hyper_parameters() const override;

 private:
  MultiStepLROptions options_;  // milestones sorted
};

// lr = base_lr * gamma^t.
struct ExponentialLROptions {
  double gamma = 0;  // required, > 0 (PyTorch has no default)
};
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, const ExponentialLROptions& options);
  double lr_at(std::size_t group, std::int64_t t) const override;

 protected:
  std::vector<std::pair<std::string, double>> hyper_parameters() const override;

 private:
  ExponentialLROptions options_;
};

// lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / t_max)) / 2   (SGDR without restarts:
// Loshchilov & Hutter, ICLR 2017). t_max is PyTorch's T_max. Past t_max the cosine continues, so
// the lr climbs back to base_lr at 2 t_max, exactly as PyTorch's CosineAnnealingLR does.
struct CosineAnnealingLROptions {
  std::int64_t t_max = 0;  // required, > 0
  double eta_min = 0.0;
};
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, const CosineAnnealingLROptions& options);
  double lr_at(std::size_t group, std::int64_t t) const override;

 protected:
  std::vector<std::pair<std::string, double>> hyper_parameters() const override;

 private:
  CosineAnnealingLROptions options_;
};

// Linear warmup, then a hand-over:
//   t <  warmup_steps: lr = base_lr * (start_factor + (1 - start_factor) * t / warmup_steps)
//   t >= warmup_steps: lr = after.lr_at(t - warmup_steps)    (after's own schedule, restarted)
//                      or base_lr when there is no `after` (constant).
// Equals PyTorch's LinearLR(start_factor, end_factor=1, total_iters=warmup_steps) alone, and
// SequentialLR([LinearLR(...), after], milestones=[warmup_steps]) with an `after`. Construct
// `after` on the same optimizer first (its base lrs are used), then hand it over:
//   auto cosine = std::make_unique<optim::CosineAnnealingLR>(opt, {.t_max = 95});
//   optim::LinearWarmup sched(opt, {.warmup_steps = 5, .start_factor = 0.1}, std::move(cosine));
// The state dict holds after's state under "after.".
struct LinearWarmupOptions {
  std::int64_t warmup_steps = 5;  // PyTorch's LinearLR total_iters
  double start_factor = 1.0 / 3;  // in (0, 1]
};
class LinearWarmup : public LRScheduler {
 public:
  LinearWarmup(Optimizer& optimizer, const LinearWarmupOptions& options,
               std::unique_ptr<LRScheduler> after = nullptr);
  double lr_at(std::size_t group, std::int64_t t) const override;
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& state) override;

 protected:
  void apply(std::int64_t t) override;
  std::vector<std::pair<std::string, double>> hyper_parameters() const override;

 private:
  LinearWarmupOptions options_;
  std::unique_ptr<LRScheduler> after_;
};

// One-cycle policy (Smith & Topin, "Super-Convergence", 2017; PyTorch's OneCycleLR). With
// initial = max_lr / div_factor and min = initial / final_div_factor, steps 0 .. total_steps - 1:
//   two phases (default): initial -> max_lr over the first pct_start of the steps, then
//                         max_lr -> min over the rest;
//   three_phase:          initial -> max_lr -> initial (symmetric), then initial -> min.
// Phase p runs from step s_{p-1} to s_p with s_1 = pct_start * total_steps - 1 (three_phase: s_2 =
// 2 pct_start total_steps - 2) and the last s = total_steps - 1; within it pct = (t - s_{p-1}) /
// (s_p - s_{p-1}) and value = end + (start - end) (1 + cos(pi pct)) / 2 (kCos) or
// start + (end - start) pct (kLinear). With cycle_momentum the group momentum (SGD/RMSprop
// momentum, Adam beta1) moves the opposite way, max_momentum -> base_momentum -> max_momentum.
// The constructor sets lr = initial (and momentum = max_momentum). Stepping past total_steps is an
// error; step total_steps itself is allowed (a loop that steps after its last batch), and there
// minidl holds the final values where PyTorch lets pct exceed 1 (its lr turns back up, or below 0
// with kLinear).
enum class Anneal { kCos, kLinear };
struct OneCycleLROptions {
  double max_lr = 0;                 // required unless max_lrs is given
  std::vector<double> max_lrs = {};  // per group; overrides max_lr
  std::int64_t total_steps = 0;      // or epochs * steps_per_epoch
  std::int64_t epochs = 0;
  std::int64_t steps_per_epoch = 0;
  double pct_start = 0.3;
  Anneal anneal = Anneal::kCos;
  bool cycle_momentum = true;
  double base_momentum = 0.85;
  double max_momentum = 0.95;
  double div_factor = 25.0;
  double final_div_factor = 1e4;
  bool three_phase = false;
};
class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options);
  double lr_at(std::size_t group, std::int64_t t) const override;
  double momentum_at(std::int64_t t) const;
  std::int64_t total_steps() const { return total_steps_; }

 protected:
  void apply(std::int64_t t) override;
  std::vector<std::pair<std::string, double>> hyper_parameters() const override;

 private:
  struct Phase {
    double end_step;
    int start_lr, end_lr;  // 0 initial, 1 max, 2 min
    double start_momentum, end_momentum;
  };
  // The phase holding step t and the fraction of it done.
  std::pair<const Phase*, double> locate(std::int64_t t) const;
  double anneal(double start, double end, double pct) const;

  OneCycleLROptions options_;
  std::int64_t total_steps_ = 0;
  std::vector<Phase> phases_;
  std::vector<double> max_lrs_;
};

// Multiplies the lr by factor when a metric stops improving (PyTorch's ReduceLROnPlateau):
//   better(a)   = a < best (1 - threshold)  (min, rel)  |  a < best - threshold  (min, abs)
//                 a > best (1 + threshold)  (max, rel)  |  a > best + threshold  (max, abs)
//   step(a):      if better(a): best = a, bad = 0, else bad += 1
//                 if cooldown_counter > 0: cooldown_counter -= 1, bad = 0
//                 if bad > patience: each group lr <- max(lr * factor, min_lr_g) when that lowers
//                   it by more than eps; cooldown_counter = cooldown; bad = 0
// best starts at +inf (min) or -inf (max); a NaN metric is never better.
enum class PlateauMode { kMin, kMax };
enum class ThresholdMode { kRel, kAbs };
struct ReduceLROnPlateauOptions {
  PlateauMode mode = PlateauMode::kMin;
  double factor = 0.1;  // in [0, 1)
  std::int64_t patience = 10;
  double threshold = 1e-4;
  ThresholdMode threshold_mode = ThresholdMode::kRel;
  std::int64_t cooldown = 0;
  double min_lr = 0.0;
  std::vector<double> min_lrs = {};  // per group; overrides min_lr
  double eps = 1e-8;
};
class ReduceLROnPlateau {
 public:
  ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options = {});
  // Returns true when this step reduced some group's lr.
  bool step(double metric);
  std::int64_t last_step() const { return last_step_; }
  double best() const { return best_; }
  std::int64_t num_bad_epochs() const { return num_bad_; }
  bool in_cooldown() const { return cooldown_counter_ > 0; }
  std::vector<double> last_lr() const;

  StateDict state_dict() const;
  void load_state_dict(const StateDict& state);

 private:
  bool is_better(double a) const;
  std::vector<std::pair<std::string, double>> hyper_parameters() const;

  Optimizer& optimizer_;
  ReduceLROnPlateauOptions options_;
  std::vector<double> min_lrs_;
  double best_;
  std::int64_t num_bad_ = 0;
  std::int64_t cooldown_counter_ = 0;
  std::int64_t last_step_ = 0;
};

}  // namespace minidl::optim
