// soft_margin_loss example: logistic regression telling T-shirt/top from Pullover on
// Fashion-MNIST.
//
// T-shirt/top = +1, Pullover = -1 (short against long sleeves, mostly). One linear layer, score
// x = w . pixels + b, and the soft-margin loss log(1 + exp(-y x)): with -1/+1 labels this is
// exactly logistic regression (binary cross entropy on sigmoid(x)), so sigmoid(x) is a calibrated
// probability of "T-shirt/top", which a hinge loss does not give. Unlike the hinge it never stops
// pushing a correct sample further out, only more and more gently. The metric is test accuracy
// of sign(x); the mean test loss (log-loss) is printed too, since that is what it optimises.
//
//   soft_margin_loss [--quick] [--epochs N] [--out DIR] [--seed S] [--data DIR]
#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "examples/common/linear_binary.h"
#include "losses/classification_margin.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "soft_margin_loss", .epochs = 20, .uses_fashion = true};
  examples::Flags app{
      "minidl example: soft_margin_loss, logistic regression for T-shirt vs Pullover"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    return examples::run_linear_binary_example(opt, {.loss = "soft_margin_loss",
                                                     .task = "T-shirt/top vs Pullover",
                                                     .positive = 0,
                                                     .negative = 2,
                                                     .lr = 1e-3,
                                                     .weight_decay = 1e-4,
                                                     .loss_fn = losses::soft_margin_loss,
                                                     .test_loss_name = "log-loss"});
  });
}
