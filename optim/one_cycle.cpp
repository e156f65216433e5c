// OneCycleLR (declared in optim/schedule.h, where the schedule is written out).
#include <algorithm>
#include <cmath>
#include <numbers>

#include "optim/schedule.h"

namespace minidl::optim {

OneCycleLR::OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options)
    : LRScheduler("OneCycleLR", "one_cycle_lr", optimizer), options_(options) {
  const OneCycleLROptions& o = options;
  if (o.total_steps != 0) {
    MINIDL_CHECK(o.total_steps > 0, "OneCycleLR: invalid total_steps ", o.total_steps,
                 " (must be > 0)");
    total_steps_ = o.total_steps;
  } else {
    MINIDL_CHECK(o.epochs > 0 && o.steps_per_epoch > 0,
                 "OneCycleLR: set total_steps, or epochs and steps_per_epoch (got epochs ",
                 o.epochs, ", steps_per_epoch ", o.steps_per_epoch, ")");
    total_steps_ = o.epochs * o.steps_per_epoch;
  }
  MINIDL_CHECK(o.pct_start >= 0 && o.pct_start <= 1, "OneCycleLR: invalid pct_start ", o.pct_start,
               " (must be in [0, 1])");
  MINIDL_CHECK(o.div_factor > 0, "OneCycleLR: invalid div_factor ", o.div_factor, " (must be > 0)");
  MINIDL_CHECK(o.final_div_factor > 0, "OneCycleLR: invalid final_div_factor ", o.final_div_factor,
               " (must be > 0)");
  const std::size_t groups = optimizer.num_groups();
  if (!o.max_lrs.empty()) {
    MINIDL_CHECK(o.max_lrs.size() == groups, "OneCycleLR: ", o.max_lrs.size(), " max_lrs for ",
                 groups, " parameter groups");
    max_lrs_ = o.max_lrs;
  } else {
    max_lrs_.assign(groups, o.max_lr);
  }
  for (double m : max_lrs_)
    MINIDL_CHECK(m > 0, "OneCycleLR: invalid max_lr ", m, " (must be > 0; it is required)");
  if (o.cycle_momentum) {
    MINIDL_CHECK(optimizer.has_momentum(), "OneCycleLR: cycle_momentum needs an optimizer with ",
                 "momentum or beta1, and ", optimizer.name(),
                 " has none (set .cycle_momentum = false)");
    MINIDL_CHECK(o.base_momentum >= 0 && o.base_momentum <= o.max_momentum,
                 "OneCycleLR: invalid momenta: base_momentum ", o.base_momentum, ", max_momentum ",
                 o.max_momentum, " (need 0 <= base <= max)");
  }
  base_lrs_.clear();
  for (double m : max_lrs_) base_lrs_.push_back(m / o.div_factor);

  const double total = static_cast<double>(total_steps_);
  const double lo = o.base_momentum, hi = o.max_momentum;
  if (o.three_phase) {
    phases_ = {{o.pct_start * total - 1, 0, 1, hi, lo},
               {2 * o.pct_start * total - 2, 1, 0, lo, hi},
               {total - 1, 0, 2, hi, hi}};
  } else {
    phases_ = {{o.pct_start * total - 1, 0, 1, hi, lo}, {total - 1, 1, 2, lo, hi}};
  }
  start();
}

std::pair<const OneCycleLR::Phase*, double> OneCycleLR::locate(std::int64_t t) const {
  MINIDL_CHECK(t <= total_steps_, "OneCycleLR: step ", t, " is past total_steps ", total_steps_,
               " (one step() per batch, total_steps = epochs * steps_per_epoch)");
  const double x = static_cast<double>(t);
  double start_step = 0;
  for (std::size_t k = 0; k < phases_.size(); ++k) {
    const Phase& p = phases_[k];
    if (x <= p.end_step || k + 1 == phases_.size()) {
      // Only step total_steps itself can pass the end: hold the final value there.
      return {&p, std::min((x - start_step) / (p.end_step - start_step), 1.0)};
    }
    start_step = p.end_step;
  }
  return {nullptr, 0.0};  // unreachable: the last phase always matches
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (options_.anneal == Anneal::kLinear) return (end - start) * pct + start;
  return end + (start - end) / 2.0 * (std::cos(std::numbers::pi * pct) + 1);
}

double OneCycleLR::lr_at(std::size_t group, std::int64_t t) const {
  const auto [phase, pct] = locate(t);
  const double initial = base_lrs_.at(group);
  const double values[3] = {initial, max_lrs_.at(group), initial / options_.final_div_factor};
  return anneal(values[phase->start_lr], values[phase->end_lr], pct);
}

double OneCycleLR::momentum_at(std::int64_t t) const {
  const auto [phase, pct] = locate(t);
  return anneal(phase->start_momentum, phase->end_momentum, pct);
}

void OneCycleLR::apply(std::int64_t t) {
  LRScheduler::apply(t);
  if (!options_.cycle_momentum) return;
  const double m = momentum_at(t);
  for (std::size_t g = 0; g < optimizer().num_groups(); ++g) optimizer().set_momentum(g, m);
}

std::vector<std::pair<std::string, double>> OneCycleLR::hyper_parameters() const {
  const OneCycleLROptions& o = options_;
  std::vector<std::pair<std::string, double>> h = {
      {"total_steps", static_cast<double>(total_steps_)},
      {"pct_start", o.pct_start},
      {"anneal", static_cast<double>(o.anneal)},
      {"cycle_momentum", o.cycle_momentum ? 1.0 : 0.0},
      {"base_momentum", o.base_momentum},
      {"max_momentum", o.max_momentum},
      {"div_factor", o.div_factor},
      {"final_div_factor", o.final_div_factor},
      {"three_phase", o.three_phase ? 1.0 : 0.0}};
  for (std::size_t g = 0; g < max_lrs_.size(); ++g)
    h.emplace_back("max_lr[" + std::to_string(g) + "]", max_lrs_[g]);
  return h;
}

}  // namespace minidl::optim
