// Shared pieces of the per-loss example programs (examples/<family>/<name>.cpp).
//
// Every loss example follows one shape, so the tour (`minidl tour`) can run them all:
//   int main(int argc, char** argv) {
//     examples::ExampleOptions opt{.name = "mse_loss", .epochs = 20};
//     examples::Flags app{"..."};  // examples/common/flags.h
//     examples::add_standard_flags(app, opt);   // --quick --epochs --out --seed (+ see below)
//     MINIDL_PARSE_FLAGS(app, argc, argv);
//     return examples::run(opt.name, [&] {
//       ... train, measure the metric before and after ...
//       return examples::report({.example = opt.name, .loss = "mse_loss", .family = "regression",
//                                .metric = "MAE", .before = b, .after = a,
//                                .higher_is_better = false}, opt);
//     });
//   }
// report() prints the outcome, writes <out>/result.json atomically (what the tour reads) and
// returns the exit code: 0 if the metric improved, 1 if not.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "examples/common/flags.h"
#include "nn/sequential.h"
#include "tensor/random.h"
#include "tensor/tensor.h"

namespace minidl::examples {

// What a full run's length is counted in; add_standard_flags offers only the flags the example
// honours (a flag it would ignore is refused by the parser instead).
enum class Budget {
  kEpochs,         // --epochs
  kSteps,          // --steps
  kEpochsOrSteps,  // both: --steps > 0 overrides the epochs (e.g. the metric-learning runner)
};

struct ExampleOptions {
  std::string name;          // program name; also the default output folder out/<name>
  std::int64_t epochs = 5;   // full-mode epochs (quick mode runs its own small budget)
  std::int64_t steps = 0;    // > 0: a step budget for examples that count steps, not epochs
  bool quick = false;        // small data and few epochs, as CI and the tour run it
  std::string out_dir = "";  // default out/<name>
  std::uint64_t seed = 0;
  std::string data_dir = "";  // Fashion-MNIST folder ("" = the Debian package's / env override)
  Budget budget = Budget::kEpochs;
  bool uses_fashion = false;  // reads Fashion-MNIST: offers --data (load_fashion checks it)
};

// --quick, --out, --seed, --profile [FILE] (examples/common/profile.h), and by the options'
// declarations --epochs and/or --steps (each refused together with --quick, whose budget is fixed
// by the example) and --data. Fills out_dir with out/<name> when unset.
void add_standard_flags(Flags& app, ExampleOptions& options);

// The Fashion-MNIST folder of an example that declared uses_fashion; a minidl::Error for one
// that did not (its --data flag was never offered, so reading the data would ignore the user).
const std::string& fashion_dir(const ExampleOptions& options);

// Fashion-MNIST flattened to [N, 784] float32, standardised with the training pixels' mean and
// standard deviation, labels int64 [N]. Quick mode keeps the first quick_train / quick_test
// samples. Throws minidl::Error with the install hint when the data is missing.
struct Fashion {
  Tensor x_train, y_train, x_test, y_test;
};
Fashion load_fashion(const ExampleOptions& options, std::int64_t quick_train = 5000,
                     std::int64_t quick_test = 2000);

// A ReLU multilayer perceptron sizes[0] -> ... -> sizes.back(), PyTorch's default init, optional
// dropout after each hidden layer.
std::shared_ptr<nn::Sequential> mlp(const std::vector<std::int64_t>& sizes, Generator& gen,
                                    double dropout = 0.0);

// Rows [start, start + n) of x (a copy-free view).
Tensor rows(const Tensor& x, std::int64_t start, std::int64_t n);

struct Outcome {
  std::string example;  // program name
  std::string loss;     // registry name of the loss it shows ("" for studies)
  std::string family;
  std::string metric;  // "MAE", "accuracy", "macro-F1", ...
  double before = 0, after = 0;
  bool higher_is_better = true;
  std::string detail = "";  // one optional line for the tour's JSON (a study's summary)
  // Further named figures for the tour (the metric examples give "MAP@R" and "NMI" before and
  // after as "MAP@R before", "MAP@R after", ...).
  std::map<std::string, double> extras = {};
};

// Prints "<metric>: before -> after", writes <out>/result.json atomically and returns 0 when
// `after` is better than `before`, else prints why on stderr and returns 1.
int report(const Outcome& outcome, const ExampleOptions& options);

// Runs an example body: line-buffered stdout, minidl::Error and other exceptions printed as
// "<name>: error: ..." with exit code 1; then --profile's table and trace, when asked for.
int run(const std::string& name, const std::function<int()>& body);

}  // namespace minidl::examples
