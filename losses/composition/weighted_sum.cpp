// weighted_sum: a training objective made of named loss terms, losses::WeightedSum.
//
//   L(step) = sum_k w_k(step) * L_k           every term L_k a scalar, w_k a constant or a schedule
//   dL / dL_k = w_k(step)                     (so each term's gradient is scaled by its weight)
//
// Why a class and not just `a + 0.1 * b`: multi-term objectives (a task loss plus penalties, two
// heads of a multitask model, a GAN's terms, RL's policy, value and entropy terms) need the weights
// to change during training (warm-ups, annealing) and each term's value logged separately, since
// the total alone hides which term moves. Keras' compile(loss_weights=...) weighs named outputs the
// same way, with fixed weights.
//
// Conventions: weights may be any finite number (a negative weight maximises its term, as an
// entropy bonus does); a weight of 0 keeps the term in the graph (zero gradient, not a missing
// one). Logged values are the unweighted terms, read with item() after the forward (one float64
// each); "total" is the weighted sum. The epoch means count each call once.
//
// Shapes: each term 0-d, floating point; the output is 0-d, of the terms' promoted dtype.
#include <algorithm>
#include <cmath>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/composition.h"
#include "losses/reduction.h"
#include "tensor/error.h"

namespace minidl::losses {

namespace {
constexpr const char* kOp = "weighted_sum";
constexpr const char* kTotal = "total";
}  // namespace

WeightSchedule linear_ramp(double from, double to, std::int64_t steps, std::int64_t start) {
  MINIDL_CHECK(steps >= 0, "linear_ramp: steps must be >= 0, got ", steps);
  MINIDL_CHECK(std::isfinite(from) && std::isfinite(to), "linear_ramp: from and to must be finite");
  return [=](std::int64_t step) {
    if (step < start) return from;
    if (steps == 0 || step >= start + steps) return to;
    return from + (to - from) * static_cast<double>(step - start) / static_cast<double>(steps);
  };
}

WeightedSum::WeightedSum(std::initializer_list<std::pair<std::string, double>> terms) {
  for (const auto& [name, weight] : terms) add(name, weight);
}

WeightedSum& WeightedSum::add(const std::string& name, double weight) {
  MINIDL_CHECK(std::isfinite(weight), kOp, ": weight of '", name, "' must be finite, got ", weight);
  return add(name, WeightSchedule([weight](std::int64_t) { return weight; }));
}

WeightedSum& WeightedSum::add(const std::string& name, WeightSchedule weight) {
  MINIDL_CHECK(!name.empty(), kOp, ": a term needs a name");
  MINIDL_CHECK(name != kTotal, kOp, ": the name 'total' is reserved for the weighted sum");
  MINIDL_CHECK(weight != nullptr, kOp, ": the schedule of '", name, "' is empty");
  for (const Term& t : terms_) MINIDL_CHECK(t.name != name, kOp, ": duplicate term '", name, "'");
  terms_.push_back({name, std::move(weight)});
  return *this;
}

std::size_t WeightedSum::index_of(const std::string& name) const {
  for (std::size_t k = 0; k < terms_.size(); ++k)
    if (terms_[k].name == name) return k;
  std::string known;
  for (const Term& t : terms_) known += (known.empty() ? "" : ", ") + t.name;
  MINIDL_FAIL(kOp, ": unknown term '", clip(name), "' (terms: ", known.empty() ? "none" : known,
              ")");
}

void WeightedSum::set_weight(const std::string& name, double weight) {
  MINIDL_CHECK(std::isfinite(weight), kOp, ": weight of '", name, "' must be finite, got ", weight);
  terms_[index_of(name)].weight = [weight](std::int64_t) { return weight; };
}

void WeightedSum::set_schedule(const std::string& name, WeightSchedule weight) {
  MINIDL_CHECK(weight != nullptr, kOp, ": the schedule of '", name, "' is empty");
  terms_[index_of(name)].weight = std::move(weight);
}

double WeightedSum::weight_at(const Term& term, std::int64_t step) const {
  const double w = term.weight(step);
  MINIDL_CHECK(std::isfinite(w), kOp, ": the weight of '", term.name, "' at step ", step,
               " is not finite (", w, ")");
  return w;
}

double WeightedSum::weight(const std::string& name) const {
  return weight_at(terms_[index_of(name)], step_);
}

std::vector<std::string> WeightedSum::names() const {
  std::vector<std::string> out;
  for (const Term& t : terms_) out.push_back(t.name);
  return out;
}

void WeightedSum::set_step(std::int64_t step) {
  MINIDL_CHECK(step >= 0, kOp, ": step must be >= 0, got ", step);
  step_ = step;
}

Variable WeightedSum::operator()(const std::vector<std::pair<std::string, Variable>>& terms) {
  MINIDL_CHECK(!terms_.empty(), kOp, ": no terms registered (add them with add(name, weight))");
  // Match the given terms to the registered ones: each known, none twice, none missing.
  std::vector<const Variable*> given(terms_.size(), nullptr);
  for (const auto& [name, value] : terms) {
    const std::size_t k = index_of(name);
    MINIDL_CHECK(given[k] == nullptr, kOp, ": term '", name, "' given twice");
    check_floating(kOp, "term '" + name + "'", value);
    MINIDL_CHECK(value.dim() == 0, kOp, ": term '", name, "' must be a scalar (0-d), got shape ",
                 shape_str(value.shape()));
    given[k] = &value;
  }
  for (std::size_t k = 0; k < terms_.size(); ++k)
    MINIDL_CHECK(given[k] != nullptr, kOp, ": missing term '", terms_[k].name, "'");

  Variable total;
  std::map<std::string, double> values, weights;
  for (std::size_t k = 0; k < terms_.size(); ++k) {
    const double w = weight_at(terms_[k], step_);
    const Variable weighted = mul_scalar(*given[k], w);
    total = total.defined() ? total + weighted : weighted;
    values[terms_[k].name] = given[k]->item();
    weights[terms_[k].name] = w;
  }
  values[kTotal] = total.item();

  last_values_ = std::move(values);
  last_weights_ = std::move(weights);
  for (const auto& [name, v] : last_values_) epoch_sums_[name] += v;
  ++epoch_calls_;
  ++step_;
  return total;
}

std::map<std::string, double> WeightedSum::epoch_means() const {
  std::map<std::string, double> means;
  if (epoch_calls_ == 0) return means;
  for (const auto& [name, s] : epoch_sums_) means[name] = s / static_cast<double>(epoch_calls_);
  return means;
}

void WeightedSum::reset_epoch() {
  epoch_sums_.clear();
  epoch_calls_ = 0;
}

std::map<std::string, double> WeightedSum::end_epoch() {
  std::map<std::string, double> means = epoch_means();
  reset_epoch();
  return means;
}

}  // namespace minidl::losses
