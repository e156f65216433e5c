// Bad-input table for losses/ (issue 14): wrong shapes, dtypes, empty batches, out-of-range labels
// and targets. Each is a minidl::Error naming the loss.
#include "tests/bad_input.h"

#include "losses/classification.h"
#include "losses/metric.h"
#include "losses/probabilistic.h"
#include "losses/regression.h"
#include "tensor/ops.h"

namespace minidl::losses {
namespace {

TEST_CASE("losses: bad inputs are minidl::Errors naming the loss") {
  const Variable logits(zeros({4, 3}), true);
  const Variable labels(from_vector(std::vector<std::int64_t>{0, 1, 2, 3}, {4}));
  const Variable negative(from_vector(std::vector<std::int64_t>{0, -7, 1, 1}, {4}));
  const Variable float_labels(zeros({4}));
  const Variable empty(zeros({0, 3}), true);
  const Variable probs(full({4}, 0.5), true);
  testing::check_bad_inputs({
      {"cross_entropy label >= classes", [&] { cross_entropy(logits, labels); }, "cross_entropy"},
      {"cross_entropy negative label", [&] { cross_entropy(logits, negative); }, "cross_entropy"},
      {"cross_entropy batch sizes differ",
       [&] {
         cross_entropy(logits, Variable(from_vector(std::vector<std::int64_t>{0, 1}, {2})));
       },
       "cross_entropy"},
      {"cross_entropy empty batch", [&] { cross_entropy(empty, Variable(zeros({0}, kInt64))); },
       "cross_entropy"},
      {"nll_loss float labels", [&] { nll_loss(logits, float_labels); }, "nll_loss"},
      {"mse shapes",
       [&] {
         mse_loss(logits, Variable(zeros({3, 4})));
       },
       "mse_loss"},
      {"mse empty",
       [&] {
         mse_loss(empty, Variable(zeros({0, 3})));
       },
       "mse_loss"},
      {"bce input outside [0, 1]",
       [&] { binary_cross_entropy(Variable(full({4}, 1.5)), Variable(full({4}, 0.5))); },
       "binary_cross_entropy"},
      {"triplet shapes",
       [&] {
         triplet_margin_loss(logits, Variable(zeros({4, 2})), logits);
       },
       "triplet_margin"},
      {"kl_div shapes", [&] { kl_div(logits, Variable(zeros({4}))); }, "kl_div"},
  });
}

}  // namespace
}  // namespace minidl::losses
