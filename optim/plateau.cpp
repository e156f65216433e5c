// ReduceLROnPlateau (declared in optim/schedule.h, where the rule is written out).
#include <algorithm>
#include <cmath>
#include <limits>

#include "optim/schedule.h"

namespace minidl::optim {
namespace {
constexpr const char* kName = "ReduceLROnPlateau";
constexpr const char* kKind = "reduce_lr_on_plateau";
}  // namespace

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options)
    : optimizer_(optimizer), options_(options) {
  const ReduceLROnPlateauOptions& o = options;
  MINIDL_CHECK(o.factor >= 0 && o.factor < 1, kName, ": invalid factor ", o.factor,
               " (must be in [0, 1))");
  MINIDL_CHECK(o.patience >= 0, kName, ": invalid patience ", o.patience, " (must be >= 0)");
  MINIDL_CHECK(o.threshold >= 0, kName, ": invalid threshold ", o.threshold, " (must be >= 0)");
  MINIDL_CHECK(o.cooldown >= 0, kName, ": invalid cooldown ", o.cooldown, " (must be >= 0)");
  MINIDL_CHECK(o.eps >= 0, kName, ": invalid eps ", o.eps, " (must be >= 0)");
  const std::size_t groups = optimizer.num_groups();
  if (!o.min_lrs.empty()) {
    MINIDL_CHECK(o.min_lrs.size() == groups, kName, ": ", o.min_lrs.size(), " min_lrs for ", groups,
                 " parameter groups");
    min_lrs_ = o.min_lrs;
  } else {
    min_lrs_.assign(groups, o.min_lr);
  }
  for (double m : min_lrs_) MINIDL_CHECK(m >= 0, kName, ": invalid min_lr ", m, " (must be >= 0)");
  const double inf = std::numeric_limits<double>::infinity();
  best_ = o.mode == PlateauMode::kMin ? inf : -inf;
}

bool ReduceLROnPlateau::is_better(double a) const {
  const double th = options_.threshold;
  const bool rel = options_.threshold_mode == ThresholdMode::kRel;
  if (options_.mode == PlateauMode::kMin) return rel ? a < best_ * (1.0 - th) : a < best_ - th;
  return rel ? a > best_ * (th + 1.0) : a > best_ + th;
}

bool ReduceLROnPlateau::step(double metric) {
  MINIDL_CHECK(optimizer_.num_groups() == min_lrs_.size(), kName, ": the optimizer has ",
               optimizer_.num_groups(), " parameter groups, the scheduler was built for ",
               min_lrs_.size());
  ++last_step_;
  if (is_better(metric)) {
    best_ = metric;
    num_bad_ = 0;
  } else {
    ++num_bad_;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    num_bad_ = 0;  // bad epochs in cooldown do not count
  }
  if (num_bad_ <= options_.patience) return false;
  bool reduced = false;
  for (std::size_t g = 0; g < min_lrs_.size(); ++g) {
    const double old_lr = optimizer_.lr(g);
    const double new_lr = std::max(old_lr * options_.factor, min_lrs_[g]);
    if (old_lr - new_lr > options_.eps) {
      optimizer_.set_lr(g, new_lr);
      reduced = true;
    }
  }
  cooldown_counter_ = options_.cooldown;
  num_bad_ = 0;
  return reduced;
}

std::vector<double> ReduceLROnPlateau::last_lr() const {
  std::vector<double> out;
  for (std::size_t g = 0; g < optimizer_.num_groups(); ++g) out.push_back(optimizer_.lr(g));
  return out;
}

std::vector<std::pair<std::string, double>> ReduceLROnPlateau::hyper_parameters() const {
  const ReduceLROnPlateauOptions& o = options_;
  std::vector<std::pair<std::string, double>> h = {
      {"mode", static_cast<double>(o.mode)},
      {"factor", o.factor},
      {"patience", static_cast<double>(o.patience)},
      {"threshold", o.threshold},
      {"threshold_mode", static_cast<double>(o.threshold_mode)},
      {"cooldown", static_cast<double>(o.cooldown)},
      {"eps", o.eps}};
  for (std::size_t g = 0; g < min_lrs_.size(); ++g)
    h.emplace_back("min_lr[" + std::to_string(g) + "]", min_lrs_[g]);
  return h;
}

StateDict ReduceLROnPlateau::state_dict() const {
  std::vector<double> hyper;
  for (const auto& h : hyper_parameters()) hyper.push_back(h.second);
  return {{std::string("kind.") + kKind, int_entry(1)},
          {"hyper", from_vector(hyper)},
          {"last_step", int_entry(last_step_)},
          {"best", float_entry(best_)},
          {"num_bad_epochs", int_entry(num_bad_)},
          {"cooldown_counter", int_entry(cooldown_counter_)}};
}

void ReduceLROnPlateau::load_state_dict(const StateDict& state) {
  check_kind_and_hyper(state, kKind, kName, hyper_parameters());
  const std::int64_t last = read_int(state, "last_step", kName);
  const double best = read_float(state, "best", kName);
  const std::int64_t bad = read_int(state, "num_bad_epochs", kName);
  const std::int64_t cooldown = read_int(state, "cooldown_counter", kName);
  MINIDL_CHECK(last >= 0 && bad >= 0 && cooldown >= 0, kName,
               ".load_state_dict: negative counter (last_step ", last, ", num_bad_epochs ", bad,
               ", cooldown_counter ", cooldown, ")");
  for (const auto& entry : state) {
    const std::string& k = entry.first;
    MINIDL_CHECK(k == std::string("kind.") + kKind || k == "hyper" || k == "last_step" ||
                     k == "best" || k == "num_bad_epochs" || k == "cooldown_counter",
                 kName, ".load_state_dict: unexpected entry '", k, "'");
  }
  last_step_ = last;
  best_ = best;
  num_bad_ = bad;
  cooldown_counter_ = cooldown;
}

}  // namespace minidl::optim
