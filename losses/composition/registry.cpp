// The composition rows of the loss registry (losses/registry.h).
//
// weighted_sum is a class (losses::WeightedSum) over named scalar terms; `minidl loss eval` gives
// it the K term values as one input "terms" [K] and the weights as the list parameter "weights"
// (empty: all 1), and names the terms "0" .. "K-1". The output is sum_k weights[k] * terms[k];
// the gradient with respect to "terms" is the weights.
#include "losses/registry.h"

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/composition.h"
#include "tensor/error.h"

namespace minidl::losses {

namespace {

Variable eval_weighted_sum(const EvalArgs& a) {
  const Variable& terms = a.input("terms");
  MINIDL_CHECK(terms.dim() == 1 && terms.numel() > 0,
               "weighted_sum: terms must be a non-empty list [K] of term values, got shape ",
               shape_str(terms.shape()));
  const std::int64_t k = terms.numel();
  // C++: WeightedSum::add(name) weighs a term 1, which the empty list means here.
  std::vector<double> weights = a.numbers("weights", {});
  if (weights.empty()) weights.assign(static_cast<std::size_t>(k), 1.0);
  MINIDL_CHECK(static_cast<std::int64_t>(weights.size()) == k, "weighted_sum: ", weights.size(),
               " weights for ", k, " terms");
  WeightedSum objective;
  std::vector<std::pair<std::string, Variable>> given;
  for (std::int64_t i = 0; i < k; ++i) {
    objective.add(std::to_string(i), weights[static_cast<std::size_t>(i)]);
    given.emplace_back(std::to_string(i), reshape(slice(terms, 0, i, i + 1), {}));
  }
  return objective(given);
}

}  // namespace

std::vector<LossInfo> composition_losses() {
  return in_family(
      "composition",
      {
          {.name = "weighted_sum",
           .formula = "sum_k w_k(step) L_k",
           .reference = "losses::WeightedSum (cf. Keras compile(loss_weights=...))",
           .inputs = {{"terms", InputKind::kFloat, false, "the K term values [K]"}},
           .params = {{"weights", std::vector<double>{}, "one weight per term (empty: all 1)"}},
           .evaluate = eval_weighted_sum,
           .torch_has_it = false},
      });
}

}  // namespace minidl::losses
