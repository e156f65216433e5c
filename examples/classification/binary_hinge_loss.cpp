// binary_hinge_loss example: a linear SVM telling Shirt from T-shirt/top on Fashion-MNIST.
//
// The two classes Fashion-MNIST confuses most often (collars, buttons and sleeve length are the
// only cues), as a binary problem with labels Shirt = +1, T-shirt/top = -1. The model is one
// linear layer, score x = w . pixels + b, and the loss is the SVM's hinge max(0, 1 - y x) plus
// the L2 penalty (SGD weight decay): exactly the soft-margin SVM objective
// lambda/2 |w|^2 + mean_i max(0, 1 - y_i x_i). The hinge is the natural choice when only the
// decision matters: samples already beyond the margin give no gradient, so the boundary is set by
// the hard cases near it (the support vectors), not by the easy bulk. The metric is test accuracy
// of sign(x).
//
//   binary_hinge_loss [--quick] [--epochs N] [--out DIR] [--seed S] [--data DIR]
#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "examples/common/linear_binary.h"
#include "losses/classification_margin.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "binary_hinge_loss", .epochs = 20, .uses_fashion = true};
  examples::Flags app{"minidl example: binary_hinge_loss, a linear SVM for Shirt vs T-shirt/top"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    return examples::run_linear_binary_example(opt, {.loss = "binary_hinge_loss",
                                                     .task = "Shirt vs T-shirt/top",
                                                     .positive = 6,
                                                     .negative = 0,
                                                     .lr = 1e-3,
                                                     .weight_decay = 1e-3,
                                                     .loss_fn = losses::binary_hinge_loss});
  });
}
