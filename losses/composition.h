// Composing losses (layer 2): a weighted sum of named scalar terms whose weights may change during
// training, with every term's value recorded for logging. Defined in
// losses/composition/weighted_sum.cpp with its formula block.
//
//   losses::WeightedSum objective({{"ce", 1.0}, {"l2", 0.0}});
//   objective.set_schedule("l2", losses::linear_ramp(0.0, 1e-4, /*steps=*/1000));
//   each step:
//     Variable total = objective({{"ce", losses::cross_entropy(logits, y)},
//                                 {"l2", losses::l2_penalty(weights)}});
//     backward(total); ...
//   each epoch end:
//     for (const auto& [name, mean] : objective.end_epoch()) log[name] = mean;  // "ce", "l2",
//     "total"
//
// Every registered term must be given at every call, once (a typo or a forgotten term is an error,
// not a silently missing gradient). A term's weight is either a constant (set_weight) or a
// schedule, a function of the step = the number of calls made so far (set_schedule); a term with
// weight 0 still takes part (its gradient is exactly 0), so an optimizer sees the same parameters
// each step.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "autograd/variable.h"

namespace minidl::losses {

// A weight as a function of the step (0 for the first call).
using WeightSchedule = std::function<double(std::int64_t step)>;

// from + (to - from) * clamp((step - start) / steps, 0, 1): a linear warm-up of a term's weight
// over `steps` calls starting at call `start` (steps 0: the weight jumps to `to` at `start`).
WeightSchedule linear_ramp(double from, double to, std::int64_t steps, std::int64_t start = 0);

class WeightedSum {
 public:
  WeightedSum() = default;
  // Terms with constant weights, in the order they are logged.
  WeightedSum(std::initializer_list<std::pair<std::string, double>> terms);

  // Register a term (names unique, non-empty, not "total"). Returns *this for chaining.
  WeightedSum& add(const std::string& name, double weight = 1.0);
  WeightedSum& add(const std::string& name, WeightSchedule weight);
  // Change a registered term's weight: a constant, or a schedule of the step.
  void set_weight(const std::string& name, double weight);
  void set_schedule(const std::string& name, WeightSchedule weight);
  // The weight the next call gives `name` (its schedule evaluated at step()).
  double weight(const std::string& name) const;
  std::vector<std::string> names() const;

  // total = sum_k w_k(step) * term_k over every registered term, given as (name, scalar Variable)
  // pairs in any order; records the values and advances the step.
  Variable operator()(const std::vector<std::pair<std::string, Variable>>& terms);

  // Calls made so far; set_step restores it when training resumes from a checkpoint.
  std::int64_t step() const { return step_; }
  void set_step(std::int64_t step);

  // ---- logging: term values are unweighted (what each loss is), "total" is the weighted sum.
  // The last call's values, and the weights it used.
  const std::map<std::string, double>& last_values() const { return last_values_; }
  const std::map<std::string, double>& last_weights() const { return last_weights_; }
  // Running means since the last reset_epoch()/end_epoch(), each call counting once (empty
  // before the first call).
  std::map<std::string, double> epoch_means() const;
  void reset_epoch();
  // epoch_means(), then reset_epoch().
  std::map<std::string, double> end_epoch();

 private:
  struct Term {
    std::string name;
    WeightSchedule weight;
  };
  std::size_t index_of(const std::string& name) const;  // throws for an unknown name
  double weight_at(const Term& term, std::int64_t step) const;

  std::vector<Term> terms_;
  std::int64_t step_ = 0;
  std::map<std::string, double> last_values_, last_weights_, epoch_sums_;
  std::int64_t epoch_calls_ = 0;
};

}  // namespace minidl::losses
