#include "optim/schedule.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace minidl::optim {
namespace {

Tensor float_vector(const std::vector<double>& v) { return from_vector(v); }

std::vector<double> read_vector(const StateDict& state, const std::string& key, std::size_t n,
                                const std::string& who) {
  auto it = state.find(key);
  MINIDL_CHECK(it != state.end() && it->second.defined(), who, ".load_state_dict: missing entry '",
               key, "'");
  const Tensor& t = it->second;
  MINIDL_CHECK(t.dim() == 1 && t.numel() == static_cast<std::int64_t>(n) && is_floating(t.dtype()),
               who, ".load_state_dict: '", key, "' holds ", t.numel(), " values, expected ", n,
               " (one per parameter group)");
  return t.to_vector();
}

void check_no_extra(const StateDict& state, const std::vector<std::string>& known,
                    const std::string& who) {
  for (const auto& entry : state) {
    if (entry.first.rfind("after.", 0) == 0) continue;  // LinearWarmup's hand-over schedule
    MINIDL_CHECK(std::find(known.begin(), known.end(), entry.first) != known.end(), who,
                 ".load_state_dict: unexpected entry '", entry.first, "'");
  }
}

}  // namespace

// ---------------------------------------------------------------- LRScheduler

LRScheduler::LRScheduler(std::string name, std::string kind, Optimizer& optimizer)
    : name_(std::move(name)), kind_(std::move(kind)), optimizer_(optimizer) {
  for (std::size_t g = 0; g < optimizer.num_groups(); ++g) base_lrs_.push_back(optimizer.lr(g));
}

void LRScheduler::start() { apply(0); }

void LRScheduler::step() { apply(last_step_ + 1); }

void LRScheduler::apply(std::int64_t t) {
  MINIDL_CHECK(optimizer_.num_groups() == base_lrs_.size(), name_, ": the optimizer has ",
               optimizer_.num_groups(), " parameter groups, the scheduler was built for ",
               base_lrs_.size());
  std::vector<double> lrs;
  for (std::size_t g = 0; g < base_lrs_.size(); ++g) lrs.push_back(lr_at(g, t));
  for (std::size_t g = 0; g < lrs.size(); ++g) optimizer_.set_lr(g, lrs[g]);
  last_lr_ = std::move(lrs);
  last_step_ = t;
}

StateDict LRScheduler::state_dict() const {
  StateDict out;
  out.emplace("kind." + kind_, int_entry(1));
  std::vector<double> hyper;
  for (const auto& h : hyper_parameters()) hyper.push_back(h.second);
  out.emplace("hyper", float_vector(hyper));
  out.emplace("last_step", int_entry(last_step_));
  out.emplace("base_lrs", float_vector(base_lrs_));
  return out;
}

void LRScheduler::load_state_dict(const StateDict& state) {
  check_kind_and_hyper(state, kind_, name_, hyper_parameters());
  const std::int64_t t = read_int(state, "last_step", name_);
  MINIDL_CHECK(t >= 0, name_, ".load_state_dict: negative last_step ", t);
  std::vector<double> base = read_vector(state, "base_lrs", base_lrs_.size(), name_);
  check_no_extra(state, {"kind." + kind_, "hyper", "last_step", "base_lrs"}, name_);
  base_lrs_ = std::move(base);
  last_step_ = t;
  last_lr_.clear();
  for (std::size_t g = 0; g < base_lrs_.size(); ++g) last_lr_.push_back(lr_at(g, t));
}

// ---------------------------------------------------------------- StepLR, MultiStepLR, ...

StepLR::StepLR(Optimizer& optimizer, const StepLROptions& options)
    : LRScheduler("StepLR", "step_lr", optimizer), options_(options) {
  MINIDL_CHECK(options.step_size > 0, "StepLR: invalid step_size ", options.step_size,
               " (must be > 0)");
  MINIDL_CHECK(options.gamma >= 0, "StepLR: invalid gamma ", options.gamma, " (must be >= 0)");
  start();
}

double StepLR::lr_at(std::size_t group, std::int64_t t) const {
  return base_lrs_.at(group) *
         std::pow(options_.gamma, static_cast<double>(t / options_.step_size));
}

std::vector<std::pair<std::string, double>> StepLR::hyper_parameters() const {
  return {{"step_size", static_cast<double>(options_.step_size)}, {"gamma", options_.gamma}};
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, const MultiStepLROptions& options)
    : LRScheduler("MultiStepLR", "multistep_lr", optimizer), options_(options) {
  MINIDL_CHECK(options.gamma >= 0, "MultiStepLR: invalid gamma ", options.gamma, " (must be >= 0)");
  for (std::int64_t m : options.milestones)
    MINIDL_CHECK(m >= 0, "MultiStepLR: invalid milestone ", m, " (must be >= 0)");
  std::sort(options_.milestones.begin(), options_.milestones.end());
  start();
}

double MultiStepLR::lr_at(std::size_t group, std::int64_t t) const {
  const auto passed = std::upper_bound(options_.milestones.begin(), options_.milestones.end(), t) -
                      options_.milestones.begin();
  return base_lrs_.at(group) * std::pow(options_.gamma, static_cast<double>(passed));
}

std::vector<std::pair<std::string, double>> MultiStepLR::hyper_parameters() const {
  std::vector<std::pair<std::string, double>> h = {{"gamma", options_.gamma}};
  for (std::size_t k = 0; k < options_.milestones.size(); ++k)
    h.emplace_back("milestones[" + std::to_string(k) + "]",
                   static_cast<double>(options_.milestones[k]));
  return h;
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, const ExponentialLROptions& options)
    : LRScheduler("ExponentialLR", "exponential_lr", optimizer), options_(options) {
  MINIDL_CHECK(options.gamma > 0, "ExponentialLR: invalid gamma ", options.gamma, " (must be > 0)");
  start();
}

double ExponentialLR::lr_at(std::size_t group, std::int64_t t) const {
  return base_lrs_.at(group) * std::pow(options_.gamma, static_cast<double>(t));
}

std::vector<std::pair<std::string, double>> ExponentialLR::hyper_parameters() const {
  return {{"gamma", options_.gamma}};
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, const CosineAnnealingLROptions& options)
    : LRScheduler("CosineAnnealingLR", "cosine_annealing_lr", optimizer), options_(options) {
  MINIDL_CHECK(options.t_max > 0, "CosineAnnealingLR: invalid t_max ", options.t_max,
               " (must be > 0)");
  MINIDL_CHECK(options.eta_min >= 0, "CosineAnnealingLR: invalid eta_min ", options.eta_min,
               " (must be >= 0)");
  start();
}

double CosineAnnealingLR::lr_at(std::size_t group, std::int64_t t) const {
  const double eta = options_.eta_min;
  return eta + (base_lrs_.at(group) - eta) *
                   (1 + std::cos(std::numbers::pi * static_cast<double>(t) /
                                 static_cast<double>(options_.t_max))) /
                   2;
}

std::vector<std::pair<std::string, double>> CosineAnnealingLR::hyper_parameters() const {
  return {{"t_max", static_cast<double>(options_.t_max)}, {"eta_min", options_.eta_min}};
}

// ---------------------------------------------------------------- LinearWarmup

LinearWarmup::LinearWarmup(Optimizer& optimizer, const LinearWarmupOptions& options,
                           std::unique_ptr<LRScheduler> after)
    : LRScheduler("LinearWarmup", "linear_warmup", optimizer),
      options_(options),
      after_(std::move(after)) {
  MINIDL_CHECK(options.warmup_steps >= 0, "LinearWarmup: invalid warmup_steps ",
               options.warmup_steps, " (must be >= 0)");
  MINIDL_CHECK(options.start_factor > 0 && options.start_factor <= 1,
               "LinearWarmup: invalid start_factor ", options.start_factor, " (must be in (0, 1])");
  if (after_) {
    MINIDL_CHECK(&after_->optimizer() == &optimizer, "LinearWarmup: the `after` schedule (",
                 after_->name(), ") drives a different optimizer");
    base_lrs_ = after_->base_lrs();
  }
  start();
}

double LinearWarmup::lr_at(std::size_t group, std::int64_t t) const {
  const std::int64_t w = options_.warmup_steps;
  if (t >= w) return after_ ? after_->lr_at(group, t - w) : base_lrs_.at(group);
  const double f = options_.start_factor +
                   (1.0 - options_.start_factor) * static_cast<double>(t) / static_cast<double>(w);
  return base_lrs_.at(group) * f;
}

void LinearWarmup::apply(std::int64_t t) {
  const std::int64_t w = options_.warmup_steps;
  if (after_ && t >= w) after_->apply(t - w);  // also its momentum, for a OneCycleLR
  LRScheduler::apply(t);
}

StateDict LinearWarmup::state_dict() const {
  StateDict out = LRScheduler::state_dict();
  if (after_) out.merge(with_prefix(after_->state_dict(), "after."));
  return out;
}

void LinearWarmup::load_state_dict(const StateDict& state) {
  if (!after_) return LRScheduler::load_state_dict(state);
  // Both or neither: a failure in the second load puts the first one back.
  const StateDict previous = after_->state_dict();
  after_->load_state_dict(strip_prefix(state, "after."));
  try {
    LRScheduler::load_state_dict(state);
  } catch (...) {
    after_->load_state_dict(previous);
    throw;
  }
}

std::vector<std::pair<std::string, double>> LinearWarmup::hyper_parameters() const {
  return {{"warmup_steps", static_cast<double>(options_.warmup_steps)},
          {"start_factor", options_.start_factor},
          {"has_after", after_ ? 1.0 : 0.0}};
}

}  // namespace minidl::optim
