// EarlyStopping against Keras 3's rules (train/callbacks.h), one table row per edge case. Each row
// feeds a sequence of monitored values epoch by epoch; the model's weight holds the epoch number,
// so the restored weight tells which epoch's snapshot came back.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "nn/linear.h"
#include "train/callbacks.h"

using namespace minidl;
using namespace minidl::train;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::int64_t kNever = -1;

struct Outcome {
  std::int64_t stop_at = kNever;  // epoch whose on_epoch_end set stop_training
  std::int64_t stopped_epoch = 0, best_epoch = 0;
  double weight = 0;  // after on_train_end
  bool restored = false;
};

Outcome run(const EarlyStoppingOptions& options, const std::vector<double>& values) {
  Generator gen(0);
  nn::Linear model(1, 1, gen);
  EarlyStopping es(options);
  TrainContext ctx{model};
  es.on_train_begin(ctx);
  Outcome out;
  Logs logs;
  for (std::size_t e = 0; e < values.size(); ++e) {
    model.weight().value().fill_(static_cast<double>(e));
    logs = {{options.monitor, values[e]}};
    es.on_epoch_end(ctx, static_cast<std::int64_t>(e) + 1, logs);  // epochs are numbered from 1
    if (ctx.stop_training) {
      out.stop_at = static_cast<std::int64_t>(e);
      break;
    }
  }
  es.on_train_end(ctx, logs);
  out.stopped_epoch = es.stopped_epoch();
  out.best_epoch = es.best_epoch();
  out.weight = model.weight().value().item();
  out.restored = es.restored();
  return out;
}

struct Row {
  const char* name;
  EarlyStoppingOptions options;
  std::vector<double> values;
  std::int64_t stop_at;
  std::int64_t best_epoch;
  double weight;  // the epoch whose weights the model ends with
};

}  // namespace

TEST_CASE("early_stopping: Keras 3 semantics, edge cases table") {
  const std::vector<Row> rows = {
      {"improving every epoch never stops", {}, {5, 4, 3, 2, 1}, kNever, 4, 4},
      // patience 0: e1 improves (wait 0), e2 does not: wait 1 >= 0 and e > 0 -> stop.
      {"patience 0 stops at the first epoch without improvement",
       {.patience = 0},
       {3, 2, 2.5, 1},
       2,
       1,
       2},
      {"patience 2 waits two epochs", {.patience = 2}, {3, 2, 2.5, 2.4, 1}, 3, 1, 3},
      {"an improvement smaller than min_delta does not count",
       {.min_delta = 0.5, .patience = 2},
       {3, 2.7, 2.6, 1},
       2,
       0,
       2},
      // 2.5 + 0.5 < 3 is false: improving by exactly min_delta is not enough.
      {"an improvement of exactly min_delta does not count",
       {.min_delta = 0.5, .patience = 1},
       {3, 2.5},
       1,
       0,
       1},
      {"a negative min_delta acts as its absolute value",
       {.min_delta = -0.5, .patience = 2},
       {3, 2.7, 2.6, 1},
       2,
       0,
       2},
      // Baseline 1.0 is never beaten: wait counts 1, 2, 3 through the improving epochs (which
      // skip the stop test), and e2, not improving, stops. Without the baseline e2 only waits.
      {"a baseline never beaten keeps wait growing",
       {.patience = 2, .baseline = 1.0},
       {3, 2.5, 2.6, 2.4},
       2,
       1,
       2},
      {"without the baseline the same values do not stop",
       {.patience = 2},
       {3, 2.5, 2.6, 2.4},
       kNever,
       3,
       3},
      // Baseline 2.8 is beaten at e1, which resets wait; then e2, e3 wait 1, 2 -> stop at e3.
      {"beating the baseline resets wait",
       {.patience = 2, .baseline = 2.8},
       {3, 2.5, 2.6, 2.55, 2.4},
       3,
       1,
       3},
      // e0, e1 are warm-up: e2 sets best = 4, e3 does not improve -> stop (patience 0).
      {"start_from_epoch skips the warm-up epochs",
       {.patience = 0, .start_from_epoch = 2},
       {1, 5, 4, 4.5},
       3,
       2,
       3},
      {"restore_best_weights restores even when not stopped early",
       {.patience = 5, .restore_best_weights = true},
       {3, 1, 2},
       kNever,
       1,
       1},
      {"restore_best_weights after stopping early",
       {.patience = 2, .restore_best_weights = true},
       {3, 1, 2, 2.5},
       3,
       1,
       1},
      // The 0.1 of warm-up epoch 0 is never seen: best starts at e1.
      {"start_from_epoch ignores a better value during the warm-up",
       {.patience = 1, .restore_best_weights = true, .start_from_epoch = 1},
       {0.1, 3, 4},
       2,
       1,
       1},
      {"mode max inferred from val_accuracy",
       {.monitor = "val_accuracy", .patience = 0},
       {0.5, 0.6, 0.55},
       2,
       1,
       2},
      {"explicit mode max on a loss name",
       {.patience = 0, .mode = Mode::kMax},
       {1, 2, 1.5},
       2,
       1,
       2},
      // NaN is never an improvement: wait 1 >= patience 1 at e1.
      {"a NaN value never improves", {.patience = 1}, {1, kNaN, 0.5}, 1, 0, 1},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    Outcome out = run(row.options, row.values);
    CHECK(out.stop_at == row.stop_at);
    // Keras' stopped_epoch: the epoch that stopped training, 0 when it ran to the end. The table
    // holds 0-based indexes e (the weight value); the callback numbers epochs e + 1.
    CHECK(out.stopped_epoch == (row.stop_at == kNever ? 0 : row.stop_at + 1));
    CHECK(out.best_epoch == row.best_epoch + 1);
    CHECK(out.weight == row.weight);
    CHECK(out.restored == row.options.restore_best_weights);
  }
}

TEST_CASE("early_stopping: mode auto refuses a monitor it cannot classify") {
  CHECK_THROWS_WITH(EarlyStopping({.monitor = "val_perplexity"}),
                    doctest::Contains("cannot tell whether 'val_perplexity' should be"));
  CHECK_NOTHROW(EarlyStopping({.monitor = "val_perplexity", .mode = Mode::kMin}));
  CHECK_NOTHROW(EarlyStopping({.monitor = "top5_accuracy"}));
  CHECK(resolve_mode("x", "val_macro_f1", Mode::kAuto) == Mode::kMax);
  CHECK(resolve_mode("x", "val_triplet_loss", Mode::kAuto) == Mode::kMin);
  CHECK_THROWS_WITH(EarlyStopping({.patience = -1}), doctest::Contains("patience must be >= 0"));
}

TEST_CASE("early_stopping: a missing monitor skips the epoch with one message") {
  Generator gen(0);
  nn::Linear model(1, 1, gen);
  std::vector<std::string> messages;
  TrainContext ctx{model};
  ctx.message = [&](const std::string& m) { messages.push_back(m); };
  EarlyStopping es({.patience = 0});
  es.on_train_begin(ctx);
  for (std::int64_t e = 1; e <= 3; ++e) es.on_epoch_end(ctx, e, {{"loss", 1.0}});
  CHECK_FALSE(ctx.stop_training);
  CHECK(es.wait() == 0);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].find("no 'val_loss'") != std::string::npos);
  CHECK(messages[0].find("available: loss") != std::string::npos);
}

TEST_CASE("early_stopping: on_train_begin resets, state_dict round-trips") {
  Generator gen(0);
  nn::Linear model(1, 1, gen);
  TrainContext ctx{model};
  EarlyStopping es({.patience = 3, .restore_best_weights = true});
  es.on_train_begin(ctx);
  for (std::int64_t e = 1; e <= 3; ++e) {
    model.weight().value().fill_(static_cast<double>(e));
    es.on_epoch_end(ctx, e, {{"val_loss", e == 2 ? 0.5 : 1.0}});
  }
  CHECK(es.wait() == 1);
  EarlyStopping copy({.patience = 3, .restore_best_weights = true});
  copy.load_state_dict(es.state_dict());
  CHECK(copy.wait() == 1);
  CHECK(copy.best_epoch() == 2);
  CHECK(copy.best() == 0.5);
  copy.on_train_end(ctx, {});
  CHECK(model.weight().value().item() == 2.0);  // the loaded snapshot came back
  es.on_train_begin(ctx);
  CHECK(es.wait() == 0);
  CHECK_FALSE(es.best().has_value());
  CHECK_FALSE(es.has_best_weights());
}
