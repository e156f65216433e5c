// multitask: the composition study. One network, two tasks and a penalty, composed with
// losses::WeightedSum and each term logged every epoch.
//
// A shared trunk (784-256-128, ReLU) feeds two heads:
//   class head       128 -> 10   cross_entropy on the Fashion-MNIST class
//   regression head  128 -> 1    mse_loss on the image's "bright-ink coverage": the share of its
//                                784 pixels brighter than the dataset's mean pixel plus one
//                                standard deviation (a standardised pixel > 1), itself
//                                standardised with the training set's mean and deviation
// plus an L2 penalty on all weight matrices (trunk and heads, not biases):
//   total = 1 * cross_entropy + 0.5 * mse + 1e-4 * l2
// The coverage is a continuous, documented property of each image that is not a linear function
// of the pixels (a threshold count), so the trunk has to learn features that serve both heads.
// Each epoch's mean of every term (unweighted) and of the total, the weights, and the test
// accuracy and coverage MAE are written to DIR/terms.jsonl (JSON Lines) and printed.
// Metric: test accuracy before -> after (reported); the coverage MAE before -> after is printed
// beside it, in coverage units (share of pixels), next to the MAE of always predicting the
// training mean.
//
//   multitask [--quick] [--epochs N] [--out DIR] [--seed S]
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

#include "autograd/functional.h"
#include "autograd/tape.h"
#include "data/loader.h"
#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "losses/classification.h"
#include "losses/composition.h"
#include "losses/regression.h"
#include "losses/regularization.h"
#include "metrics/classification.h"
#include "nn/activation.h"
#include "nn/linear.h"
#include "optim/adam.h"
#include "optim/decay_groups.h"
#include "tensor/ops.h"
#include "train/metric_log.h"

using namespace minidl;

namespace {

// Share of each image's pixels above 1 (standardised units): [N, 1] float32.
Tensor ink_coverage(const Tensor& x) {
  const std::int64_t n = x.size(0), d = x.size(1);
  Tensor out = empty({n, 1}, kFloat32);
  const float* p = x.data<float>();
  for (std::int64_t i = 0; i < n; ++i) {
    std::int64_t bright = 0;
    for (std::int64_t j = 0; j < d; ++j) bright += p[i * d + j] > 1.0f;
    out.data<float>()[i] = static_cast<float>(bright) / static_cast<float>(d);
  }
  return out;
}

struct TwoHeads : nn::Module {
  std::shared_ptr<nn::Sequential> trunk;
  std::shared_ptr<nn::Linear> classes, coverage;
  explicit TwoHeads(Generator& gen) : nn::Module("TwoHeads") {
    trunk = register_module("trunk", examples::mlp({784, 256, 128}, gen));
    trunk->add(std::make_shared<nn::ReLU>());
    classes = register_module("classes", std::make_shared<nn::Linear>(128, 10, gen));
    coverage = register_module("coverage", std::make_shared<nn::Linear>(128, 1, gen));
  }
};

struct Scores {
  double accuracy = 0, mae = 0;  // MAE in coverage units
};

// Test accuracy and coverage MAE; the regression head predicts (coverage - mean) / std.
Scores evaluate(TwoHeads& model, const Tensor& x, const Tensor& y, const Tensor& coverage,
                double mean, double stddev) {
  NoGradGuard no_grad;
  const Variable h = (*model.trunk)(Variable(x));
  const Tensor logits = (*model.classes)(h).value();
  const Tensor pred = (*model.coverage)(h).value();
  double abs_err = 0;
  for (std::int64_t i = 0; i < coverage.numel(); ++i)
    abs_err += std::abs(pred.data<float>()[i] * stddev + mean - coverage.data<float>()[i]);
  return {metrics::accuracy(logits, y), abs_err / static_cast<double>(coverage.numel())};
}

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "multitask", .epochs = 10, .uses_fashion = true};
  examples::Flags app{
      "minidl study: classification + regression heads + L2, composed with WeightedSum"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    const std::int64_t epochs = opt.quick ? 3 : opt.epochs;
    const examples::Fashion data = examples::load_fashion(opt, 5000, 2000);
    const Tensor cov_train = ink_coverage(data.x_train), cov_test = ink_coverage(data.x_test);
    double mean = 0, sq = 0;
    for (std::int64_t i = 0; i < cov_train.numel(); ++i) mean += cov_train.data<float>()[i];
    mean /= static_cast<double>(cov_train.numel());
    for (std::int64_t i = 0; i < cov_train.numel(); ++i)
      sq += std::pow(cov_train.data<float>()[i] - mean, 2);
    const double stddev = std::sqrt(sq / static_cast<double>(cov_train.numel()));
    double mae_of_mean = 0;
    for (std::int64_t i = 0; i < cov_test.numel(); ++i)
      mae_of_mean += std::abs(cov_test.data<float>()[i] - mean);
    mae_of_mean /= static_cast<double>(cov_test.numel());

    Generator gen(opt.seed);
    TwoHeads model(gen);
    std::vector<Variable> weights;
    for (const auto& [name, p] : model.named_parameters())
      if (!optim::skips_decay(name, p)) weights.push_back(p);
    losses::WeightedSum objective({{"cross_entropy", 1.0}, {"mse", 0.5}, {"l2", 1e-4}});

    const Scores before = evaluate(model, data.x_test, data.y_test, cov_test, mean, stddev);
    optim::Adam adam(model.parameters(), {.lr = 1e-3});
    data::DataLoader loader(data.x_train, data.y_train,
                            {.batch_size = 128, .shuffle = true, .seed = opt.seed});
    std::filesystem::create_directories(opt.out_dir);
    const std::string log_path = opt.out_dir + "/terms.jsonl";
    std::vector<train::Logs> rows;
    for (std::int64_t e = 0; e < epochs; ++e) {
      model.train();
      for (data::Batch& b : loader.epoch(e)) {
        const Tensor target = minidl::mul(minidl::sub(ink_coverage(b.inputs), mean), 1.0 / stddev);
        const Variable h = (*model.trunk)(Variable(b.inputs));
        const Variable total = objective(
            {{"cross_entropy", losses::cross_entropy((*model.classes)(h), Variable(b.targets))},
             {"mse", losses::mse_loss((*model.coverage)(h), Variable(target))},
             {"l2", losses::l2_penalty(weights)}});
        model.zero_grad();
        backward(total);
        adam.step();
      }
      model.eval();
      const Scores s = evaluate(model, data.x_test, data.y_test, cov_test, mean, stddev);
      train::Logs row = objective.end_epoch();
      for (const std::string& name : objective.names())
        row["weight_" + name] = objective.weight(name);
      row["epoch"] = static_cast<double>(e);
      row["test_accuracy"] = s.accuracy;
      row["test_coverage_mae"] = s.mae;
      std::printf(
          "epoch %2lld  cross_entropy %.4f  mse %.4f  l2 %8.2f  total %.4f  |  test "
          "accuracy %.4f  coverage MAE %.4f\n",
          static_cast<long long>(e + 1), row["cross_entropy"], row["mse"], row["l2"], row["total"],
          s.accuracy, s.mae);
      rows.push_back(row);
      train::write_metric_log(log_path, rows);
    }
    const Scores after = evaluate(model, data.x_test, data.y_test, cov_test, mean, stddev);
    std::printf(
        "test accuracy %.4f -> %.4f; coverage MAE %.4f -> %.4f (predicting the mean: "
        "%.4f); log %s\n",
        before.accuracy, after.accuracy, before.mae, after.mae, mae_of_mean, log_path.c_str());
    char detail[160];
    std::snprintf(detail, sizeof detail, "coverage MAE %.4f -> %.4f (mean predictor %.4f)",
                  before.mae, after.mae, mae_of_mean);
    return examples::report({.example = opt.name,
                             .loss = "",
                             .family = "composition",
                             .metric = "test accuracy",
                             .before = before.accuracy,
                             .after = after.accuracy,
                             .higher_is_better = true,
                             .detail = detail},
                            opt);
  });
}
