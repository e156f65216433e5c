// squared_hinge_loss example: an L2-SVM telling Pullover from Coat on Fashion-MNIST.
//
// Pullover = +1, Coat = -1: two long-sleeved upper-body garments that differ in a zip or buttons
// and a collar, a hard pair for a linear model. One linear layer, score x = w . pixels + b, the
// squared hinge max(0, 1 - y x)^2 plus an L2 penalty (SGD weight decay): the L2-loss SVM,
// LIBLINEAR's default. Against the plain hinge (examples/classification/binary_hinge_loss.cpp)
// the square makes the objective differentiable at the margin, so plain SGD settles smoothly,
// and a sample deep on the wrong side pulls in proportion to how wrong it is; samples beyond the
// margin still contribute nothing. The metric is test accuracy of sign(x).
//
//   squared_hinge_loss [--quick] [--epochs N] [--out DIR] [--seed S] [--data DIR]
#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "examples/common/linear_binary.h"
#include "losses/classification_margin.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "squared_hinge_loss", .epochs = 20, .uses_fashion = true};
  examples::Flags app{"minidl example: squared_hinge_loss, an L2-SVM for Pullover vs Coat"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    return examples::run_linear_binary_example(opt, {.loss = "squared_hinge_loss",
                                                     .task = "Pullover vs Coat",
                                                     .positive = 2,
                                                     .negative = 4,
                                                     .lr = 5e-4,
                                                     .weight_decay = 1e-3,
                                                     .loss_fn = losses::squared_hinge_loss});
  });
}
