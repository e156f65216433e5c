// weighted_sum example: a classifier's loss plus an L1 penalty whose weight ramps up, with every
// term logged each epoch.
//
// A 784-256-10 MLP on Fashion-MNIST is trained on the objective (losses::WeightedSum)
//   total = 1 * cross_entropy + w(step) * l1_penalty(weight matrices)
// where w ramps linearly from 0 to --l1 over the first half of the steps (losses::linear_ramp):
// the network first learns the task unhindered, then the sparsity pressure grows. Ramping (or
// annealing) a term's weight is the usual reason to compose losses in a class rather than to
// write `ce + 3e-4 * l1`: the weight is a function of the step, and each term's value is
// recorded, so the log shows the penalty's own value shrinking while cross entropy holds.
// Each epoch's means of "cross_entropy", "l1" (unweighted) and "total" and the weight at the
// epoch's end are printed and written to DIR/terms.jsonl (JSON Lines, train/metric_log.h).
// Metric: test accuracy before -> after.
//
//   weighted_sum [--quick] [--epochs N] [--l1 L] [--out DIR] [--seed S]
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "data/loader.h"
#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "losses/classification.h"
#include "losses/composition.h"
#include "losses/regularization.h"
#include "metrics/classification.h"
#include "optim/adam.h"
#include "optim/decay_groups.h"
#include "train/fit.h"
#include "train/metric_log.h"

using namespace minidl;

namespace {

// At each epoch end: the objective's per-term epoch means, printed and appended to a JSON Lines
// log (rewritten atomically).
class TermLog : public train::Callback {
 public:
  TermLog(losses::WeightedSum& objective, std::string path)
      : objective_(objective), path_(std::move(path)) {}
  std::string name() const override { return "term_log"; }
  void on_epoch_end(train::TrainContext&, std::int64_t epoch, const train::Logs&) override {
    train::Logs row = objective_.end_epoch();
    row["epoch"] = static_cast<double>(epoch);
    row["l1_weight"] = objective_.weight("l1");
    row["step"] = static_cast<double>(objective_.step());
    std::printf("epoch %2lld  cross_entropy %.4f  l1 %9.2f (weight %.2e)  total %.4f\n",
                static_cast<long long>(epoch), row["cross_entropy"], row["l1"], row["l1_weight"],
                row["total"]);
    rows_.push_back(row);
    train::write_metric_log(path_, rows_);
  }

 private:
  losses::WeightedSum& objective_;
  std::string path_;
  std::vector<train::Logs> rows_;
};

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "weighted_sum", .epochs = 10, .uses_fashion = true};
  double l1 = 3e-4;
  examples::Flags app{"minidl example: cross entropy + a ramped L1 penalty, each term logged"};
  examples::add_standard_flags(app, opt);
  app.add_option("--l1", l1, "final weight of the L1 penalty")->capture_default_str();
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    const std::int64_t epochs = opt.quick ? 3 : opt.epochs;
    const examples::Fashion data = examples::load_fashion(opt, 5000, 2000);
    Generator gen(opt.seed);
    auto model = examples::mlp({784, 256, 10}, gen);
    std::vector<Variable> weights;
    for (const auto& [name, p] : model->named_parameters())
      if (!optim::skips_decay(name, p)) weights.push_back(p);

    const std::int64_t batch = 128;
    const std::int64_t steps = epochs * ((data.y_train.numel() + batch - 1) / batch);
    losses::WeightedSum objective({{"cross_entropy", 1.0}});
    objective.add("l1", losses::linear_ramp(0.0, l1, steps / 2));

    const double before = metrics::accuracy(train::predict(*model, data.x_test), data.y_test);
    optim::Adam adam(model->parameters(), {.lr = 1e-3});
    data::DataLoader loader(data.x_train, data.y_train,
                            {.batch_size = batch, .shuffle = true, .seed = opt.seed});
    std::filesystem::create_directories(opt.out_dir);
    auto log = std::make_shared<TermLog>(objective, opt.out_dir + "/terms.jsonl");
    train::fit(
        *model, adam, loader,
        {.epochs = epochs,
         .loss_fn =
             [&](const Variable& logits, const Tensor& y) {
               return objective({{"cross_entropy", losses::cross_entropy(logits, Variable(y))},
                                 {"l1", losses::l1_penalty(weights)}});
             },
         .metrics = {},
         .callbacks = {log},
         .verbose = 0});
    const double after = metrics::accuracy(train::predict(*model, data.x_test), data.y_test);
    std::printf("term log: %s/terms.jsonl\n", opt.out_dir.c_str());
    return examples::report({.example = opt.name,
                             .loss = "weighted_sum",
                             .family = "composition",
                             .metric = "test accuracy",
                             .before = before,
                             .after = after,
                             .higher_is_better = true},
                            opt);
  });
}
