// The binary margin-loss examples (examples/classification/{binary_hinge,squared_hinge,
// soft_margin}_loss.cpp) share one run: two Fashion-MNIST classes as a +1 / -1 task
// (fashion_attributes.h's binary_pair), one linear layer, score x = w . pixels + b, trained by SGD
// with momentum 0.9 and an L2 penalty (weight decay), so the examples differ only in the loss and
// the pair. The metric is the test accuracy of sign(x).
#pragma once

#include <cstdint>
#include <string>

#include "examples/common/example.h"
#include "train/fit.h"

namespace minidl::examples {

struct LinearBinaryExample {
  std::string loss;                 // registry name, for the report
  std::string task;                 // printed, e.g. "Shirt vs T-shirt/top"
  std::int64_t positive, negative;  // the Fashion-MNIST classes given +1 and -1
  double lr = 1e-3;                 // SGD, momentum 0.9, batch 64
  double weight_decay = 1e-3;
  train::LossFn loss_fn;
  // Non-empty: the mean test loss of loss_fn is printed too, under this name ("log-loss").
  std::string test_loss_name = "";
};

// Loads Fashion-MNIST (quick mode: the first 10,000 / 2,000 samples), keeps the two classes,
// trains for options.epochs (3 in quick mode), prints and reports the test accuracy before and
// after. Returns the exit code.
int run_linear_binary_example(const ExampleOptions& options, const LinearBinaryExample& example);

}  // namespace minidl::examples
